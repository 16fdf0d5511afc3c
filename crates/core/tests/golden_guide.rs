//! Golden tests: the guide-2016 profile with the default spec reproduces the 2016 guide's files and
//! commands. The expected values are read from the guide itself (tests/fixtures), not retyped.

mod common;

use studio::bundle::{Artifact, Location, Machine};
use studio::render::node_commands;
use studio::words::split_words as shell_words;
use studio::spec::KeyAlgorithm;
use studio::yaml;

const GUIDE: &str = include_str!("fixtures/ha-kubernetes-worker-guide.md");

/// A here-document in the guide: the command that opens it and its body.
struct Heredoc {
    command: String,
    body: String,
}

/// Every here-document of the guide's code blocks.
fn heredocs(text: &str) -> Vec<Heredoc> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.contains("<< EOF") || line.contains("<< \"EOF\"") || line.contains("<<EOF") {
            let command = line.split_once("$ ").map_or(line, |(_, c)| c).to_owned();
            let mut body = String::new();
            for body_line in lines.by_ref() {
                if body_line == "EOF" {
                    break;
                }
                body.push_str(body_line);
                body.push('\n');
            }
            out.push(Heredoc { command, body });
        }
    }
    out
}

/// `first` with the lines its trailing backslashes continue onto.
fn join_continued<'a>(first: &str, lines: &mut impl Iterator<Item = &'a str>) -> String {
    let mut joined = first.to_owned();
    while joined.ends_with('\\') {
        joined.pop();
        match lines.next() {
            Some(next) => joined.push_str(next),
            None => break,
        }
    }
    joined
}

/// Skips a here-document body up to and including its delimiter line.
fn skip_through<'a>(lines: &mut impl Iterator<Item = &'a str>, delimiter: &str) {
    for line in lines.by_ref() {
        if line == delimiter {
            break;
        }
    }
}

/// Commands typed at a prompt in the guide (continuation lines joined), skipping here-document bodies.
fn guide_commands(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((prompt, command)) = line.split_once("$ ") else { continue };
        if !(prompt.starts_with("root@") || prompt.starts_with("user@")) {
            continue;
        }
        let joined = join_continued(command, &mut lines);
        if joined.contains("<<") {
            skip_through(&mut lines, "EOF");
        }
        out.push(shell_words(&joined));
    }
    out
}

/// Commands of a generated script: continuation lines joined, comments and here-document bodies skipped.
fn script_commands(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let joined = join_continued(trimmed, &mut lines);
        if let Some(idx) = joined.find("<<'") {
            skip_through(&mut lines, joined[idx + 3..].trim_end_matches('\''));
        }
        out.push(shell_words(&joined));
    }
    out
}

fn words(s: &str) -> Vec<String> {
    shell_words(s)
}

fn flat((first, groups): (Vec<String>, Vec<Vec<String>>)) -> Vec<String> {
    first.into_iter().chain(groups.into_iter().flatten()).collect()
}

fn worker01<'a>(bundle: &'a studio::Bundle, location: &str) -> &'a Artifact {
    bundle
        .artifacts
        .iter()
        .find(|a| a.machine == Machine::Worker(studio::spec::Hostname::parse("worker01").unwrap()) && a.location.display() == location)
        .unwrap_or_else(|| panic!("worker01 has no {location}"))
}

fn find_command<'a>(commands: &'a [Vec<String>], starts: &[&str]) -> &'a Vec<String> {
    commands
        .iter()
        .find(|c| c.len() >= starts.len() && c.iter().zip(starts).all(|(a, b)| a == b))
        .unwrap_or_else(|| panic!("no command starting with {starts:?} in {commands:#?}"))
}

fn heredoc_for<'a>(docs: &'a [Heredoc], target: &str) -> &'a Heredoc {
    docs.iter().find(|d| d.command.contains(target)).unwrap_or_else(|| panic!("the guide writes no {target}"))
}

#[test]
fn guide_files_are_reproduced() {
    let spec = common::default_spec();
    let bundle = common::generate(&spec, false);
    let docs = heredocs(GUIDE);

    // openssl.cnf: byte for byte.
    let cnf = heredoc_for(&docs, "cat > openssl.cnf");
    assert_eq!(worker01(&bundle, "/etc/kubernetes/ssl/openssl.cnf").content, cnf.body);

    // The kubeconfig: the same YAML document, at the guide's path.
    let kubeconfig = heredoc_for(&docs, "/etc/kubernetes/worker-kubeconfig.yaml");
    assert_eq!(
        yaml::parse_value(&worker01(&bundle, "/etc/kubernetes/worker-kubeconfig.yaml").content).unwrap(),
        yaml::parse_value(&kubeconfig.body).unwrap()
    );

    // kubelet.service: byte for byte once the unquoted here-document turns `\\` into `\`.
    let unit = heredoc_for(&docs, "/etc/systemd/system/kubelet.service");
    assert_eq!(worker01(&bundle, "/etc/systemd/system/kubelet.service").content, unit.body.replace("\\\\", "\\"));

    // The kube-proxy static pod, at the guide's path (no .yaml suffix).
    let proxy = heredoc_for(&docs, "/etc/kubernetes/manifests/kube-proxy");
    assert_eq!(
        yaml::parse_value(&worker01(&bundle, "/etc/kubernetes/manifests/kube-proxy").content).unwrap(),
        yaml::parse_value(&proxy.body).unwrap()
    );

    // SkyDNS: the ReplicationController and the Service, as data.
    let created: Vec<&Heredoc> = docs.iter().filter(|d| d.command.contains("kubectl create -f -")).collect();
    assert_eq!(created.len(), 2);
    let addons: Vec<&Artifact> =
        bundle.artifacts.iter().filter(|a| a.kind == studio::ArtifactKind::AddonManifest).collect();
    assert_eq!(addons.len(), 2);
    for (guide_doc, ours) in created.iter().zip(&addons) {
        assert_eq!(yaml::parse_value(&ours.content).unwrap(), yaml::parse_value(&guide_doc.body).unwrap(), "{}", ours.location.display());
    }
    // ...and create-dns.sh feeds exactly those documents to kubectl.
    let create = bundle.find("cluster-addons/create-dns.sh").unwrap();
    assert_eq!(script_commands(&create.content).iter().filter(|c| c.starts_with(&words("kubectl create -f -"))).count(), 2);
}

#[test]
fn guide_commands_are_reproduced() {
    let spec = common::default_spec();
    let bundle = common::generate(&spec, true);
    let guide = guide_commands(GUIDE);

    // Worker side, with this worker's values where the guide leaves a placeholder.
    let keys_on_node = script_commands(&worker01(&bundle, "keys-on-node.sh").content);
    let genrsa = find_command(&guide, &["openssl", "genrsa", "-out", "worker.key"]);
    assert_eq!(genrsa, &node_commands::keygen_argv(KeyAlgorithm::Rsa2048, "worker.key"));
    assert_eq!(find_command(&keys_on_node, &["openssl", "genrsa"]), genrsa);
    assert_eq!(find_command(&keys_on_node, &["chmod"]), find_command(&guide, &["chmod", "600", "worker.key"]));
    let export = find_command(&guide, &["export"]);
    assert_eq!(export, &words("export WORKER_IP=192.168.2.[1|2|3]"));
    assert_eq!(find_command(&keys_on_node, &["export"]), &words("export WORKER_IP=192.168.2.1"));
    let req: Vec<String> = find_command(&guide, &["openssl", "req", "-new"])
        .iter()
        .map(|w| w.replace("$(hostname -s)", "worker01"))
        .collect();
    assert_eq!(find_command(&keys_on_node, &["openssl", "req"]), &req);
    let plan = studio::plan::Plan::new(&spec);
    let studio::plan::ProfilePlan::Guide2016 { workers, .. } = &plan.profile else { panic!("the guide's spec plans the guide's profile") };
    assert_eq!(flat(node_commands::worker_csr_command(&workers[0].leaf)), req);

    // CA side: the guide's signing command, unchanged.
    let sign = find_command(&guide, &["openssl", "x509"]);
    let sign_script = script_commands(&bundle.find("ca-host/sign-worker01.sh").unwrap().content);
    assert_eq!(find_command(&sign_script, &["openssl", "x509"]), sign);
    assert_eq!(find_command(&sign_script, &["export"]), &words("export WORKER_IP=192.168.2.1"));

    // Workstation: the kubectl key and CSR; OpenSSL 3 needs the `-new` the guide left out.
    let ws = script_commands(&bundle.find("workstation/keys-on-workstation.sh").unwrap().content);
    assert_eq!(find_command(&ws, &["openssl", "genrsa"]), find_command(&guide, &["openssl", "genrsa", "-out", "kubectl.key"]));
    let mut guide_req = find_command(&guide, &["openssl", "req", "-nodes"]).clone();
    guide_req.insert(2, "-new".into());
    assert_eq!(find_command(&ws, &["openssl", "req"]), &guide_req);

    // The four kubectl config commands, word for word.
    let setup = script_commands(&bundle.find("workstation/setup-kubectl.sh").unwrap().content);
    let ours: Vec<&Vec<String>> = setup.iter().filter(|c| c.starts_with(&words("kubectl config"))).collect();
    let theirs: Vec<&Vec<String>> = guide.iter().filter(|c| c.starts_with(&words("kubectl config"))).collect();
    assert_eq!(theirs.len(), 4);
    assert_eq!(ours, theirs);
}

#[test]
fn artifacts_sit_where_the_guide_puts_them() {
    let bundle = common::generate(&common::default_spec(), false);
    let docs = heredocs(GUIDE);
    for target in [
        "/etc/kubernetes/worker-kubeconfig.yaml",
        "/etc/systemd/system/kubelet.service",
        "/etc/kubernetes/manifests/kube-proxy",
    ] {
        heredoc_for(&docs, &format!("cat > {target}"));
        let artifact = worker01(&bundle, target);
        assert_eq!(artifact.location, Location::Node(studio::spec::NodePath::parse(target).unwrap()));
        assert_eq!(artifact.zip_path(), format!("workers/worker01{target}"));
    }
    // The guide's `ls -la` of the worker: worker.crt 0644, worker.key 0600, the CA under /etc/ssl/etcd.
    assert_eq!(worker01(&bundle, "/etc/kubernetes/ssl/worker.key").mode, 0o600);
    assert_eq!(worker01(&bundle, "/etc/kubernetes/ssl/worker.crt").mode, 0o644);
    assert_eq!(worker01(&bundle, "/etc/ssl/etcd/ca.crt").mode, 0o644);
}
