//! Cross-artifact checks: every file of a bundle against the others, before anything reaches a node.
//!
//! The checks read files only (the studio's own bundle, a zip, or a directory of hand-written
//! files laid out the same way), so they also tell whether an existing node's files fit together.

mod bootstrap;
pub mod files;
mod front;
pub mod drawing;
pub mod graph;
mod script;
mod worker;
mod workstation;
mod x509;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

pub use files::{BundleFiles, FileEntry};
pub use graph::{Graph, References};

use crate::bundle::layout;
use crate::release::{Version, GUIDE_VERSION};
use crate::yaml;


#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }

    /// In lower case, for tools and styles: `pass`, `warn`, `fail`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's verdict on some files.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub status: Status,
    /// A stable id such as `kubelet-files`.
    pub check: Cow<'static, str>,
    pub title: String,
    /// The bundle paths involved (linkable in the studio).
    pub files: Vec<String>,
    pub detail: String,
    pub why: Cow<'static, str>,
}

/// All findings of one run, and every reference between files the checks resolved on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub references: References,
}

/// The Kubernetes version a bundle's README.txt names (`Worker Studio bundle, profile current for
/// Kubernetes 1.37.0 (...)`); a bundle that names none is taken for the guide's.
pub fn version_of(files: &BundleFiles) -> Version {
    let named = || {
        let first = files.text(layout::README)?.lines().next()?;
        layout::read_readme_header(first).map(|(_, version)| version.minor)
    };
    named().unwrap_or(GUIDE_VERSION)
}

/// What the checks cannot read from the files themselves.
#[derive(Clone, Debug)]
pub struct CheckContext {
    /// Unix seconds, for validity windows.
    pub now: i64,
    /// The Kubernetes version the flags must fit.
    pub version: Version,
    /// Worker and LB host IPs known from a spec, by name; without them a worker's comes from
    /// `keys-on-node.sh` and an LB host's from `install-lb.sh`, if present.
    pub expected_ips: BTreeMap<String, IpAddr>,
}

impl Report {
    /// Adds a finding made outside the engine (the CLI's `bash -n`, say).
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }

    pub fn has_failures(&self) -> bool {
        self.count(Status::Fail) > 0
    }

    /// One line of counts: `41 passed, 0 warnings, 0 failed`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} warnings, {} failed",
            self.count(Status::Pass),
            self.count(Status::Warn),
            self.count(Status::Fail)
        )
    }

    /// The report as CHECKS.md.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Checks\n\n");
        let _ = writeln!(out, "{}.\n", self.summary());
        out.push_str("| | check | files | detail |\n|---|---|---|---|\n");
        for f in &self.findings {
            let files = f.files.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join("<br>");
            let _ = writeln!(out, "| {} | {} | {} | {} |", f.status.label(), f.title.replace('|', "\\|"), files, f.detail.replace('|', "\\|"));
        }
        out.push_str("\n## Why each check matters\n\n");
        let mut seen: Vec<&str> = Vec::new();
        for f in &self.findings {
            if !seen.contains(&f.check.as_ref()) {
                seen.push(&f.check);
                let _ = writeln!(out, "- **{}**: {}", f.check, f.why);
            }
        }
        out
    }

    /// The report for a terminal: failures and warnings in full, passes counted.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in self.findings.iter().filter(|f| f.status != Status::Pass) {
            let detail = f.detail.lines().collect::<Vec<_>>().join("; ");
            let _ = writeln!(out, "{:4}  [{}] {}: {detail}", f.status.label(), f.check, f.title);
            for file in f.files.iter().take(3) {
                let _ = writeln!(out, "        {file}");
            }
            if f.files.len() > 3 {
                let _ = writeln!(out, "        (+{} more)", f.files.len() - 3);
            }
            let _ = writeln!(out, "        why: {}", f.why);
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }
}

/// Collects findings, and the references each one resolved.
#[derive(Default)]
pub(crate) struct Findings {
    pub report: Report,
    names: graph::Names,
}

impl Findings {
    /// Adds a finding; the index it returns is what its references name.
    pub fn add(&mut self, status: Status, check: &'static str, why: &'static str, title: String, files: Vec<String>, detail: String) -> usize {
        self.report.findings.push(Finding { status, check: check.into(), title, files, detail, why: why.into() });
        self.report.findings.len() - 1
    }

    /// Records that `from` refers to `to` (`kind`: how, as the file says it), judged by `finding`.
    pub fn link(&mut self, finding: usize, from: &str, to: &str, kind: &'static str) {
        let status = self.report.findings.get(finding).map_or(Status::Fail, |f| f.status);
        self.link_as(finding, from, to, kind, status);
    }

    /// A reference with a verdict of its own: one file a check found among several it looked
    /// for passes while the check fails for another.
    pub fn link_as(&mut self, finding: usize, from: &str, to: &str, kind: &'static str, status: Status) {
        let references = &mut self.report.references;
        let (from, to) = (self.names.intern(references, from), self.names.intern(references, to));
        let finding = u32::try_from(finding).unwrap_or(u32::MAX);
        references.edges.push(graph::Reference { from, to, kind: kind.into(), finding, status });
    }
}

const WHY_CA: &str = "every node and the API servers decide whom to trust by this certificate";
const WHY_CHAIN: &str = "a certificate that does not chain to the cluster CA is refused by the API server or the kubelet";
const WHY_KEY_MATCH: &str = "a key that matches no certificate cannot complete a TLS handshake, and a stray key is a liability";
const WHY_YAML: &str = "a manifest or kubeconfig that does not parse stops the kubelet or kubectl at start";
const WHY_DNS: &str = "if the Service selects no DNS pod, or its ports are not served, every lookup in the cluster fails";

/// Runs every check over the files.
pub fn check(files: &BundleFiles, ctx: &CheckContext) -> Report {
    let mut out = Findings::default();
    let (ca, ca_finding) = check_ca(files, ctx, &mut out);
    check_yaml(files, &mut out);
    let certificates = certificates(files);
    if let Some(ca) = &ca {
        check_chains(&certificates, ca, ca_finding, ctx, &mut out);
    }
    check_keys(files, &certificates, &mut out);
    check_dns_addon(files, &mut out);
    let addons = Addons {
        service: dns_service(files),
        domain: dns_domain(files),
        kube_proxy_daemonset: kube_proxy_daemonset(files),
        bootstrap: bootstrap::BootstrapAddons::read(&addon_documents(files)),
    };
    for name in files.workers() {
        worker::check(files, &name, ca.as_ref(), &addons, ctx, &mut out);
    }
    workstation::check(files, &mut out);
    front::check(files, ctx, &mut out);
    out.report
}

/// An API server's serving certificate against the bundle (`validate --apiserver-cert`, the
/// studio's paste): the CA's, a server's, valid now, and carrying every name the nodes dial.
/// `label` names the certificate in the findings (its file, or "the pasted certificate").
pub fn check_apiserver_certificate(files: &BundleFiles, certificate_pem: &str, label: &str, ctx: &CheckContext) -> Report {
    let mut out = Findings::default();
    front::apiserver_certificate(files, certificate_pem, label, ctx, &mut out);
    out.report
}

/// The bundle's CA, and the index of the finding on it (its copies' references name it).
fn check_ca(files: &BundleFiles, ctx: &CheckContext, out: &mut Findings) -> (Option<x509::CertFacts>, usize) {
    let title = "The cluster CA is a CA and valid now".to_owned();
    let ca_path = layout::ca_cert_path();
    let files_list = vec![ca_path.clone()];
    let Some(entry) = files.get(&ca_path) else {
        return (None, out.add(Status::Fail, "ca", WHY_CA, title, files_list, format!("{ca_path} is missing")));
    };
    match entry.certificate().cloned() {
        Ok(ca) if !ca.is_ca => (None, out.add(Status::Fail, "ca", WHY_CA, title, files_list, "basicConstraints CA:TRUE is missing".into())),
        Ok(ca) if ctx.now < ca.not_before || ctx.now > ca.not_after => {
            let detail = format!(
                "valid {} to {}",
                crate::pki::format_unix(ca.not_before),
                crate::pki::format_unix(ca.not_after)
            );
            let finding = out.add(Status::Fail, "ca", WHY_CA, title, files_list, detail);
            (Some(ca), finding)
        }
        Ok(ca) => {
            let detail = format!("{}, valid until {}", ca.common_name.clone().unwrap_or_default(), crate::pki::format_unix(ca.not_after));
            let finding = out.add(Status::Pass, "ca", WHY_CA, title, files_list, detail);
            (Some(ca), finding)
        }
        Err(e) => (None, out.add(Status::Fail, "ca", WHY_CA, title, files_list, format!("{ca_path} {e}"))),
    }
}

/// kubeadm names kubeconfigs `*.conf`; keepalived's configuration is no YAML.
fn is_yaml_path(path: &str) -> bool {
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".conf") || path.contains("/manifests/");
    yaml && !path.ends_with("keepalived.conf")
}

fn check_yaml(files: &BundleFiles, out: &mut Findings) {
    for (path, entry) in &files.entries {
        if !is_yaml_path(path) {
            continue;
        }
        let title = "YAML parses".to_owned();
        let result = entry.documents().and_then(|docs| {
            if docs.iter().all(|d| d.is_mapping()) && !docs.is_empty() {
                Ok(docs.len())
            } else {
                Err("is not a YAML mapping (an object with fields)".to_owned())
            }
        });
        match result {
            Ok(n) => out.add(Status::Pass, "yaml", WHY_YAML, title, vec![path.clone()], format!("{n} document(s)")),
            Err(e) => out.add(Status::Fail, "yaml", WHY_YAML, title, vec![path.clone()], e),
        };
    }
}

/// A certificate file of the bundle: its path, the file, and what it says.
type Certificate<'a> = (&'a str, &'a FileEntry, &'a x509::CertFacts);

/// Every certificate file of the bundle (scripts aside), by path.
fn certificates(files: &BundleFiles) -> Vec<Certificate<'_>> {
    files
        .entries
        .iter()
        .filter_map(|(path, entry)| {
            let text = entry.text()?;
            if !text.contains("-----BEGIN CERTIFICATE-----") || path.ends_with(".sh") {
                return None;
            }
            Some((path.as_str(), entry, entry.certificate().ok()?))
        })
        .collect()
}

/// Every certificate other than a copy of the CA chains to it and lies inside its window; a copy
/// refers to the CA through the CA's own finding.
fn check_chains(certificates: &[Certificate<'_>], ca: &x509::CertFacts, ca_finding: usize, ctx: &CheckContext, out: &mut Findings) {
    let ca_path = layout::ca_cert_path();
    for (path, _, _) in certificates.iter().filter(|(path, _, cert)| cert.der == ca.der && *path != ca_path) {
        out.link(ca_finding, path, &ca_path, graph::COPY_OF);
    }
    for &(path, entry, cert) in certificates.iter().filter(|(_, _, cert)| cert.der != ca.der) {
        // Another CA where the cluster's belongs is a wrong copy, not a leaf.
        let kind = if cert.is_ca { graph::COPY_OF } else { graph::SIGNED_BY };
        let title = "Certificate chains to the CA and is valid now".to_owned();
        let result = entry.signed_by(ca).and_then(|()| {
            if ctx.now < cert.not_before || ctx.now > cert.not_after {
                Err(format!(
                    "it is valid {} to {}",
                    crate::pki::format_unix(cert.not_before),
                    crate::pki::format_unix(cert.not_after)
                ))
            } else if cert.not_after > ca.not_after {
                Err(format!("it outlives the CA ({} > {})", crate::pki::format_unix(cert.not_after), crate::pki::format_unix(ca.not_after)))
            } else {
                Ok(())
            }
        });
        let finding = match result {
            Ok(()) => out.add(Status::Pass, "chain", WHY_CHAIN, title, vec![path.to_owned()], cert.common_name.as_ref().map(|cn| format!("CN={cn}")).unwrap_or_default()),
            Err(e) => out.add(Status::Fail, "chain", WHY_CHAIN, title, vec![path.to_owned()], e),
        };
        out.link(finding, path, &ca_path, kind);
    }
}

fn check_keys(files: &BundleFiles, certificates: &[Certificate<'_>], out: &mut Findings) {
    let mut certs_by_machine: BTreeMap<&str, Vec<&Certificate<'_>>> = BTreeMap::new();
    for certificate in certificates {
        certs_by_machine.entry(layout::machine_dir(certificate.0)).or_default().push(certificate);
    }
    for (path, entry) in &files.entries {
        let Some(text) = entry.text() else { continue };
        if !text.contains("PRIVATE KEY-----") || path.ends_with(".sh") {
            continue;
        }
        let title = "Private key matches exactly one certificate on its machine".to_owned();
        let key = match entry.private_key() {
            Ok(key) => key,
            Err(e) => {
                out.add(Status::Fail, "key-match", WHY_KEY_MATCH, title, vec![path.clone()], e);
                continue;
            }
        };
        let public_key = key.public_key_raw();
        let mut matching: Vec<String> = certs_by_machine
            .get(layout::machine_dir(path))
            .into_iter()
            .flatten()
            .filter(|(_, _, cert)| cert.public_key == public_key)
            .map(|(p, _, _)| (*p).to_owned())
            .collect();
        matching.dedup();
        let mut involved = vec![path.clone()];
        involved.extend(matching.iter().cloned());
        let finding = match matching.len() {
            1 => out.add(Status::Pass, "key-match", WHY_KEY_MATCH, title, involved, String::new()),
            0 => out.add(Status::Fail, "key-match", WHY_KEY_MATCH, title, involved, "no certificate on this machine carries its public key".into()),
            n => out.add(Status::Warn, "key-match", WHY_KEY_MATCH, title, involved, format!("{n} certificates carry its public key")),
        };
        for certificate in &matching {
            out.link(finding, path, certificate, graph::KEY_OF);
        }
    }
}

/// Every YAML document below `cluster-addons/`, with its path.
fn addon_documents(files: &BundleFiles) -> Vec<(String, yaml::Value)> {
    files
        .below(layout::CLUSTER_ADDONS)
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".yaml") || rel.ends_with(".yml"))
        .flat_map(|(rel, entry)| {
            let docs = entry.documents().unwrap_or_default();
            let path = format!("{}/{rel}", layout::CLUSTER_ADDONS);
            docs.iter().map(move |d| (path.clone(), d.clone()))
        })
        .collect()
}

/// What the workers are compared with among the add-ons, read once per run.
pub(crate) struct Addons {
    /// The kube-dns Service document and its path.
    pub service: Option<(String, yaml::Value)>,
    /// The served domain and the file saying so.
    pub domain: Option<(String, String)>,
    /// The file of a DaemonSet that runs kube-proxy on every node.
    pub kube_proxy_daemonset: Option<String>,
    /// Bootstrap token Secrets and ClusterRoleBindings.
    pub bootstrap: bootstrap::BootstrapAddons,
}

/// A DaemonSet whose pods run a container named kube-proxy.
fn kube_proxy_daemonset(files: &BundleFiles) -> Option<String> {
    addon_documents(files).into_iter().find_map(|(path, doc)| {
        let runs_proxy = template_containers(&doc).iter().any(|c| c["name"].as_str() == Some("kube-proxy"));
        (doc["kind"].as_str() == Some("DaemonSet") && runs_proxy).then_some(path)
    })
}

/// The DNS Service (named kube-dns) and its cluster IP.
pub(crate) fn dns_service(files: &BundleFiles) -> Option<(String, yaml::Value)> {
    addon_documents(files)
        .into_iter()
        .find(|(_, d)| d["kind"].as_str() == Some("Service") && d["metadata"]["name"].as_str() == Some("kube-dns"))
}

/// The DNS domain the add-on serves: kube2sky's `--domain=`, or a CoreDNS Corefile's `kubernetes` zone.
pub(crate) fn dns_domain(files: &BundleFiles) -> Option<(String, String)> {
    for (path, doc) in addon_documents(files) {
        for container in template_containers(&doc) {
            for word in container["args"].as_sequence().into_iter().flatten().chain(container["command"].as_sequence().into_iter().flatten()) {
                if let Some(domain) = word.as_str().and_then(|w| w.strip_prefix("--domain=")) {
                    return Some((path, domain.trim_end_matches('.').to_owned()));
                }
            }
        }
        if let Some(corefile) = doc["data"]["Corefile"].as_str() {
            for line in corefile.lines() {
                let mut words = line.split_whitespace();
                if words.next() == Some("kubernetes") {
                    if let Some(zone) = words.next() {
                        return Some((path, zone.trim_end_matches('.').to_owned()));
                    }
                }
            }
        }
    }
    None
}

fn template_containers(doc: &yaml::Value) -> Vec<&yaml::Value> {
    doc["spec"]["template"]["spec"]["containers"].as_sequence().map(|s| s.iter().collect()).unwrap_or_default()
}

fn check_dns_addon(files: &BundleFiles, out: &mut Findings) {
    let title = "The DNS Service selects the DNS pods and its ports are served".to_owned();
    let Some((service_path, service)) = dns_service(files) else {
        out.add(Status::Warn, "dns-addon", WHY_DNS, title, vec![], "no kube-dns Service under cluster-addons/".into());
        return;
    };
    let selector = service["spec"]["selector"].as_mapping().cloned().unwrap_or_default();
    let docs = addon_documents(files);
    let workload = docs.iter().find(|(_, d)| {
        let labels = &d["spec"]["template"]["metadata"]["labels"];
        !selector.is_empty() && selector.iter().all(|(k, v)| &labels[k] == v)
    });
    let Some((workload_path, workload)) = workload else {
        out.add(Status::Fail, "dns-addon", WHY_DNS, title, vec![service_path], "no pod template carries the Service's selector labels".into());
        return;
    };
    let served: Vec<(i64, String)> = template_containers(workload)
        .iter()
        .flat_map(|c| c["ports"].as_sequence().cloned().unwrap_or_default())
        .map(|p| (p["containerPort"].as_i64().unwrap_or(-1), p["protocol"].as_str().unwrap_or("TCP").to_owned()))
        .collect();
    let missing: Vec<String> = service["spec"]["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let port = p["targetPort"].as_i64().or_else(|| p["port"].as_i64()).unwrap_or(-1);
            let protocol = p["protocol"].as_str().unwrap_or("TCP").to_owned();
            (!served.contains(&(port, protocol.clone()))).then(|| format!("{port}/{protocol}"))
        })
        .collect();
    let involved = vec![service_path.clone(), workload_path.clone()];
    let finding = if missing.is_empty() {
        out.add(Status::Pass, "dns-addon", WHY_DNS, title, involved, String::new())
    } else {
        out.add(Status::Fail, "dns-addon", WHY_DNS, title, involved, format!("no container port serves {}", missing.join(", ")))
    };
    out.link(finding, &service_path, workload_path, graph::SELECTOR);
}
