//! The reference graph: the guide's default bundle yields exactly the references the guide's files
//! make (a list written from the guide, `fixtures/graph/guide-default.txt`), every one passing; a
//! broken bundle shows exactly the references that break; the DOT output is what graphviz reads.

mod common;

use std::collections::BTreeSet;

use studio::check::{self, BundleFiles, FileEntry, Graph, Status};
use studio::spec::KeyAlgorithm;
use studio::SpecFile;

const GUIDE: &str = include_str!("fixtures/ha-kubernetes-worker-guide.md");
const EXPECTED: &str = include_str!("fixtures/graph/guide-default.txt");
const WORKERS: [&str; 3] = ["worker01", "worker02", "worker03"];

/// (from, kind, to) of every reference the list names, each `W` line once per worker.
fn expected_edges() -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for line in EXPECTED.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split(" | ").collect();
        assert_eq!(parts.len(), 3, "not FROM | KIND | TO: {line}");
        let names: &[&str] = if line.contains("/W/") { &WORKERS } else { &["-"] };
        for name in names {
            let with = |s: &str| s.replace("/W/", &format!("/{name}/"));
            out.insert((with(parts[0]), parts[1].to_owned(), with(parts[2])));
        }
    }
    out
}

fn edges(graph: &Graph, wanted: Option<Status>) -> BTreeSet<(String, String, String)> {
    graph
        .edges
        .iter()
        .filter(|e| wanted.is_none_or(|s| e.status == s))
        .map(|e| (graph.nodes[e.from].id.clone(), e.kind.clone(), graph.nodes[e.to].id.clone()))
        .collect()
}

fn files_and_graph(files: &BundleFiles, spec: &studio::ClusterSpec) -> (check::Report, Graph) {
    let report = check::check(files, &studio::check_context(spec, common::now()));
    let graph = Graph::new(files.entries.keys().map(String::as_str), &report);
    (report, graph)
}

fn ecdsa_guide_spec() -> studio::ClusterSpec {
    let mut file = SpecFile::default();
    file.keys.algorithm = KeyAlgorithm::EcdsaP256.as_str().into();
    file.validate(common::now()).expect("valid")
}

#[test]
fn every_quote_of_the_expected_list_is_the_guides() {
    let mut quotes = 0;
    for line in EXPECTED.lines().filter(|l| l.starts_with('#')) {
        for (i, quote) in line.split('`').enumerate() {
            if i % 2 == 1 {
                quotes += 1;
                assert!(GUIDE.contains(quote), "the guide does not say `{quote}`");
            }
        }
    }
    assert!(quotes >= 20, "only {quotes} quotes");
}

#[test]
fn the_guides_bundle_yields_exactly_the_guides_references() {
    let spec = common::default_spec();
    let (bundle, report) = studio::generate_checked(&spec, &studio::pki::KeySet::generate_for(&studio::plan::Plan::new(&spec)).unwrap(), studio::RenderOptions { now: common::now(), include_ca_key: false }).unwrap();
    let graph = Graph::new(bundle.artifacts.iter().map(|a| a.zip_path()).collect::<Vec<_>>().iter().map(String::as_str), &report);
    let got = edges(&graph, None);
    let expected = expected_edges();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing: {missing:#?}\nnot in the guide: {extra:#?}");
    let failing: Vec<_> = graph.edges.iter().filter(|e| e.status != Status::Pass).collect();
    assert!(failing.is_empty(), "{failing:?}");
    // A learner follows worker01's kubelet to its kubeconfig, certificate and CA, and its DNS flag
    // to the Service, one reference at a time.
    let walk = [
        ("--kubeconfig", "workers/worker01/etc/kubernetes/worker-kubeconfig.yaml"),
        ("client-certificate", "workers/worker01/etc/kubernetes/ssl/worker.crt"),
        ("signed by", "workers/worker01/etc/ssl/etcd/ca.crt"),
        ("copy of the cluster CA", "ca-host/HOME/ca.crt"),
    ];
    let mut at = graph.find("workers/worker01/etc/systemd/system/kubelet.service").expect("the unit");
    for (kind, target) in walk {
        let next = graph.edges_of(at).find(|e| e.from == at && e.kind == kind && graph.nodes[e.to].id == target);
        at = next.unwrap_or_else(|| panic!("no {kind} from {} to {target}", graph.nodes[at].id)).to;
    }
    let unit = graph.find("workers/worker01/etc/systemd/system/kubelet.service").unwrap();
    let dns = graph.edges_of(unit).find(|e| e.kind == "--cluster-dns = clusterIP").expect("the DNS reference");
    assert_eq!(graph.nodes[dns.to].id, "cluster-addons/kube-dns-svc.yaml");
    assert_eq!(report.findings[dns.finding].check, "cluster-dns");
}

#[test]
fn a_worker_with_another_ca_shows_exactly_the_references_that_break() {
    let spec = ecdsa_guide_spec();
    let mut files = BundleFiles::from_bundle(&common::generate(&spec, false));
    let other = BundleFiles::from_bundle(&common::generate(&spec, false));
    let ca = "workers/worker01/etc/ssl/etcd/ca.crt";
    files.entries.insert(ca.into(), other.entries["ca-host/HOME/ca.crt"].clone());
    let (_, graph) = files_and_graph(&files, &spec);
    let expected: BTreeSet<(String, String, String)> = [
        (ca, "copy of the cluster CA", "ca-host/HOME/ca.crt"),
        ("workers/worker01/etc/kubernetes/ssl/worker.crt", "signed by", ca),
        ("workers/worker01/install.sh", "writes", ca),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    .collect();
    assert_eq!(edges(&graph, Some(Status::Fail)), expected);
    assert_eq!(graph.nodes[graph.find(ca).unwrap()].status, Some(Status::Fail));
}

#[test]
fn a_kubelet_pointing_pods_at_another_dns_ip_shows_that_one_reference() {
    let spec = ecdsa_guide_spec();
    let mut files = BundleFiles::from_bundle(&common::generate(&spec, false));
    let unit = "workers/worker02/etc/systemd/system/kubelet.service";
    let text = files.text(unit).unwrap().replace("--cluster-dns=10.3.0.2", "--cluster-dns=10.3.0.10");
    let mode = files.get(unit).unwrap().mode;
    files.entries.insert(unit.to_owned(), FileEntry::new(mode, text.into_bytes()));
    // A hand-written node: no install.sh to compare with.
    files.entries.remove("workers/worker02/install.sh");
    let (report, graph) = files_and_graph(&files, &spec);
    let failing = edges(&graph, Some(Status::Fail));
    let expected: BTreeSet<(String, String, String)> =
        [(unit.to_owned(), "--cluster-dns = clusterIP".to_owned(), "cluster-addons/kube-dns-svc.yaml".to_owned())].into();
    assert_eq!(failing, expected);
    let edge = graph.edges.iter().find(|e| e.status == Status::Fail).unwrap();
    assert!(report.findings[edge.finding].detail.contains("10.3.0.10"), "{:?}", report.findings[edge.finding]);
}

#[test]
fn a_missing_file_is_a_node_of_its_own() {
    let spec = ecdsa_guide_spec();
    let mut files = BundleFiles::from_bundle(&common::generate(&spec, false));
    files.entries.remove("workers/worker03/etc/kubernetes/ssl/worker.key");
    let (_, graph) = files_and_graph(&files, &spec);
    let key = graph.find("workers/worker03/etc/kubernetes/ssl/worker.key").expect("named by the unit and the kubeconfig");
    assert_eq!(graph.nodes[key].kind, check::graph::NodeKind::Missing);
    let into: BTreeSet<&str> = graph.edges.iter().filter(|e| e.to == key).map(|e| e.kind.as_str()).collect();
    assert_eq!(into, ["--tls-private-key-file", "client-key", "writes"].into());
    assert!(graph.edges.iter().filter(|e| e.to == key).all(|e| e.status == Status::Fail));
}

#[test]
fn graphviz_reads_the_dot_of_every_kind_of_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let mut current = SpecFile::defaults_for(studio::release::ProfileId::Current, studio::spec::FrontMode::KeepalivedHaproxy);
    current.keys.algorithm = KeyAlgorithm::EcdsaP256.as_str().into();
    let current = current.validate(common::now()).expect("valid");
    for (name, spec) in [("guide", ecdsa_guide_spec()), ("current-front", current)] {
        let bundle = common::generate(&spec, false);
        let files = BundleFiles::from_bundle(&bundle);
        let (_, graph) = files_and_graph(&files, &spec);
        let dot = dir.path().join(format!("{name}.dot"));
        std::fs::write(&dot, graph.to_dot()).unwrap();
        let svg = common::stdout(&common::run("dot", &["-Tsvg", dot.to_str().unwrap()], dir.path()));
        assert!(svg.contains("<svg") && svg.contains("kubelet"), "{name}: {}", &svg[..svg.len().min(300)]);
        let output = std::process::Command::new("dot").args(["-Tsvg", dot.to_str().unwrap()]).output().unwrap();
        assert!(output.stderr.is_empty(), "{name}: graphviz warned: {}", String::from_utf8_lossy(&output.stderr));
    }
    // A broken DOT file is refused, so the test above can fail.
    let broken = dir.path().join("broken.dot");
    std::fs::write(&broken, "digraph { \"a\" -> }").unwrap();
    assert!(!std::process::Command::new("dot").args(["-Tsvg", broken.to_str().unwrap()]).output().unwrap().status.success());
}
