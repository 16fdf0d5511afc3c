//! Property tests over random valid specs: project files round-trip, and every bundle verifies.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use proptest::prelude::*;
use studio::input::{SpecFile, WorkerInput};
use studio::spec::KeyAlgorithm;

fn hostname() -> impl Strategy<Value = String> {
    ("[a-z][a-z0-9-]{0,14}[a-z0-9]", proptest::option::of("[a-z][a-z0-9]{0,6}"))
        .prop_map(|(host, domain)| match domain {
            Some(d) => format!("{host}.{d}"),
            None => host,
        })
}

fn worker_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::from(b)).prop_filter("outside the service CIDR", |ip| {
            !matches!(ip, IpAddr::V4(v4) if v4.octets()[..3] == [10, 3, 0])
        }),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ]
}

fn workers(max: usize) -> impl Strategy<Value = Vec<WorkerInput>> {
    prop::collection::btree_map(hostname(), worker_ip(), 1..=max).prop_map(|map: BTreeMap<String, IpAddr>| {
        let mut seen = BTreeSet::new();
        map.into_iter()
            .filter(|(_, ip)| seen.insert(*ip))
            .map(|(name, ip)| WorkerInput { name, ip: ip.to_string() })
            .collect()
    })
}

fn algorithm() -> impl Strategy<Value = KeyAlgorithm> {
    prop::sample::select(KeyAlgorithm::ALL.to_vec())
}

/// A random valid project file with up to `max_workers` workers.
fn spec_file(max_workers: usize) -> impl Strategy<Value = SpecFile> {
    (
        workers(max_workers),
        algorithm(),
        1u32..3650,
        "[a-z]{1,10}(\\.[a-z]{2,5})?",
        "(/[a-z0-9_.-]{0,8}[a-z0-9]){1,3}",
        prop::sample::select(vec!["iptables", "userspace"]),
        "[A-Za-z0-9]([A-Za-z0-9 ._-]{0,20}[A-Za-z0-9])?",
    )
        .prop_map(|(workers, algorithm, days, domain, ssl_dir, mode, admin)| {
            let mut file = SpecFile { workers, ..SpecFile::default() };
            file.keys.algorithm = algorithm.as_str().into();
            file.keys.validity_days = days.into();
            file.cluster.domain = domain;
            file.paths.ssl_dir = ssl_dir;
            file.kube_proxy.mode = mode.into();
            file.kubectl.admin_common_name = admin;
            file
        })
        .prop_filter("ssl dir must differ from the other paths", |f| {
            let ssl = &f.paths.ssl_dir;
            ![&f.paths.manifests_dir, &f.paths.kubeconfig, &f.paths.kubelet_unit, &f.paths.ca_cert]
                .iter()
                .any(|p| p.as_str() == ssl || p.starts_with(&format!("{ssl}/")))
        })
}

/// Validates `file`, writes the spec back as a project file, reads that again: the same spec.
fn round_trip(file: &SpecFile) -> Result<studio::ClusterSpec, TestCaseError> {
    let spec = file.validate(common::now()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    let yaml = spec.to_file().to_yaml().expect("a project file serializes");
    let again = studio::input::spec_from_yaml(&yaml, common::now()).map_err(|e| TestCaseError::fail(format!("{e:?}\n{yaml}")))?;
    prop_assert_eq!(&again, &spec);
    Ok(spec)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn project_files_round_trip(file in spec_file(50)) {
        round_trip(&file)?;
    }
}

/// Bigger RSA keys take seconds each to generate; keep their bundles small.
fn max_workers(algorithm: KeyAlgorithm) -> usize {
    match algorithm {
        KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => 50,
        KeyAlgorithm::Rsa2048 => 6,
        KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => 2,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_generated_bundle_verifies_with_openssl(
        (file, _) in algorithm().prop_flat_map(|a| (spec_file(max_workers(a)), Just(a)).prop_map(move |(mut f, a)| {
            f.keys.algorithm = a.as_str().into();
            (f, a)
        }))
    ) {
        let spec = file.validate(common::now()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let bundle = common::generate(&spec, false);
        let tmp = tempfile::tempdir().unwrap();
        let root = common::unpack(&bundle, tmp.path());
        let ssl = spec.paths.ssl_dir.as_str().trim_start_matches('/');
        let mut certs: Vec<String> = spec
            .workers
            .iter()
            .map(|w| root.join(format!("workers/{}/{ssl}/worker.crt", w.name)).to_string_lossy().into_owned())
            .collect();
        certs.push(root.join("workstation/HOME/.kube/kubectl.crt").to_string_lossy().into_owned());
        let ca = root.join("ca-host/HOME/ca.crt").to_string_lossy().into_owned();
        let mut args = vec!["verify", "-CAfile", ca.as_str()];
        args.extend(certs.iter().map(String::as_str));
        let out = common::stdout(&common::run("openssl", &args, tmp.path()));
        prop_assert_eq!(out.lines().filter(|l| l.ends_with(": OK")).count(), certs.len());

        for worker in &spec.workers {
            let pem = bundle.find(&format!("workers/{}/{ssl}/worker.crt", worker.name)).unwrap().content.clone();
            let der = pem::parse(&pem).unwrap().contents().to_vec();
            let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
            let cn = cert.subject().iter_common_name().next().unwrap().as_str().unwrap().to_owned();
            prop_assert_eq!(cn, worker.name.to_string());
            let san = cert.subject_alternative_name().unwrap().unwrap();
            let has_ip = san.value.general_names.iter().any(|n| matches!(n,
                x509_parser::extensions::GeneralName::IPAddress(bytes)
                    if *bytes == match worker.ip { IpAddr::V4(v4) => v4.octets().to_vec(), IpAddr::V6(v6) => v6.octets().to_vec() }));
            prop_assert!(has_ip, "{} lacks IP SAN {}", worker.name, worker.ip);
        }
    }
}

/// A random valid current-profile project: any supported version, delivery, proxy mode and admin group.
fn current_file(max_workers: usize) -> impl Strategy<Value = SpecFile> {
    (
        workers(max_workers),
        prop::sample::select(studio::release::SUPPORTED.to_vec()),
        prop::option::of(0u16..20),
        prop::sample::select(vec!["static-pod", "daemonset"]),
        prop::sample::select(vec!["iptables", "nftables"]),
        prop::sample::select(vec!["kubeadm:cluster-admins", "system:masters"]),
        "[a-z]{1,10}(\\.[a-z]{2,5})?",
    )
        .prop_map(|(workers, version, patch, delivery, mode, group, domain)| {
            let mut file = SpecFile { workers, ..SpecFile::defaults(studio::release::ProfileId::Current) };
            file.kubernetes_version = match patch {
                Some(patch) => format!("{version}.{patch}"),
                None => version.to_string(),
            };
            file.kube_proxy.delivery = delivery.into();
            file.kube_proxy.mode = mode.into();
            file.kubectl.admin_group = group.into();
            file.cluster.domain = domain;
            file.keys.algorithm = KeyAlgorithm::EcdsaP256.as_str().into();
            file
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn current_projects_round_trip_and_their_bundles_pass_every_check(file in current_file(20)) {
        let spec = round_trip(&file)?;
        let bundle = common::generate(&spec, false);
        let report = studio::check::check(&studio::check::BundleFiles::from_bundle(&bundle), &studio::check_context(&spec, common::now()));
        let bad: Vec<_> = report.findings.iter().filter(|f| f.status != studio::check::Status::Pass).collect();
        prop_assert!(bad.is_empty(), "{:#?}", bad);
    }
}
