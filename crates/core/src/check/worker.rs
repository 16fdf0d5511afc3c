//! One worker's files against each other: the kubelet unit's flags, the kubeconfig, certificates,
//! the static pods, the install script, and the cluster DNS it points pods at.

use std::collections::BTreeMap;

use super::files::{BundleFiles, FileEntry};
use super::graph;
use super::x509::{self, CertFacts};
use super::{bootstrap, script, Addons, CheckContext, Findings, Status};
use crate::bundle::layout;
use crate::identity::{node_user, KUBE_PROXY_USER, NODES_GROUP};
use crate::pki::PrivateKey;
use crate::profile::current::CONFIG_FIELDS;
use crate::profile::flags::kubelet_flag;
use crate::release::{KUBECONFIG_NAMES_SERVER, KUBELET_CONFIG_FILE, NODE_AUTHORIZER};
use crate::yaml;

const WHY_UNIT: &str = "without a kubelet unit the node never joins the cluster";
const WHY_FLAGS: &str = "a kubelet refuses to start on a flag its version does not know";
const WHY_FILES: &str = "the kubelet exits at start when a file its flags name is missing";
const WHY_KUBECONFIG: &str = "kubelet and kube-proxy authenticate with what the kubeconfig's current context names";
const WHY_CLIENT: &str = "the API server rejects a client certificate that is not signed by the CA it trusts, or expired";
const WHY_IDENTITY: &str = "the certificate's names and IP are how the API server and peers recognise this node";
const WHY_CSR: &str = "a CSR that disagrees with its key or certificate means the files come from different runs";
const WHY_CLUSTER_DNS: &str = "pods get the kubelet's --cluster-dns as their resolver; it must be the DNS Service's IP";
const WHY_DOMAIN: &str = "service names resolve only under the domain the DNS add-on serves";
const WHY_STATIC_POD: &str = "the kubelet starts kube-proxy only from its static pod directory, with a kubeconfig it can read";
const WHY_MODES: &str = "a private key readable by other users can be stolen by any process on the node";
const WHY_CA_KEY: &str = "with the CA key, a compromised worker could mint any identity in the cluster";
const WHY_CONFIG: &str = "the kubelet refuses a configuration file of the wrong kind or with fields its version does not know, and an open kubelet API lets anyone run commands in pods";
const WHY_NODE_IDENTITY: &str = "since 1.7 the Node authorizer and NodeRestriction admit a kubelet only as system:node:<name> in group system:nodes, and only for its own Node";
const WHY_PROXY_IDENTITY: &str = "the built-in RBAC grants kube-proxy's rights (system:node-proxier) to the user system:kube-proxy";

/// KubeletConfiguration fields and the flags they replace, so both are checked alike.
const CONFIG_FLAGS: [(&str, &str); 4] = [
    ("clusterDomain", "--cluster-domain"),
    ("staticPodPath", "--pod-manifest-path"),
    ("tlsCertFile", "--tls-cert-file"),
    ("tlsPrivateKeyFile", "--tls-private-key-file"),
];
/// The KubeletConfiguration's list and nested fields folded in as flags, by the name a reference shows.
const CLUSTER_DNS_FIELD: &str = "clusterDNS";
const CLIENT_CA_FIELD: &str = "authentication.x509.clientCAFile";

/// The kubelet command line of a unit: flags by name (`--kubeconfig` → value), with the settings
/// of its KubeletConfiguration folded in as the flags they replace (a flag given wins, as in the kubelet).
struct KubeletCommand {
    unit_path: String,
    words: Vec<String>,
    flags: BTreeMap<String, String>,
    /// The KubeletConfiguration named by `--config` (1.10 and later): bundle path and document.
    config: Option<(String, yaml::Value)>,
    /// Flags that came from the KubeletConfiguration, with the field that set them.
    from_config: BTreeMap<&'static str, &'static str>,
}

impl KubeletCommand {
    /// The bundle files the kubelet reads settings from.
    fn sources(&self) -> Vec<String> {
        std::iter::once(self.unit_path.clone()).chain(self.config.as_ref().map(|(p, _)| p.clone())).collect()
    }

    /// The file that sets a flag and how it spells it: the KubeletConfiguration's field, or the
    /// unit's flag.
    fn source(&self, flag: &'static str) -> (&str, &'static str) {
        match (self.from_config.get(flag), &self.config) {
            (Some(field), Some((path, _))) => (path, field),
            _ => (&self.unit_path, flag),
        }
    }
}

fn fold_config(command: &mut KubeletCommand, doc: &yaml::Value) {
    let mut fold = |flag: &'static str, field: &'static str, value: Option<&str>| {
        if let Some(value) = value {
            if !command.flags.contains_key(flag) {
                command.flags.insert(flag.to_owned(), value.to_owned());
                command.from_config.insert(flag, field);
            }
        }
    };
    for (field, flag) in CONFIG_FLAGS {
        fold(flag, field, doc[field].as_str());
    }
    fold("--cluster-dns", CLUSTER_DNS_FIELD, doc["clusterDNS"].as_sequence().and_then(|s| s.first()).and_then(|d| d.as_str()));
    fold("--client-ca-file", CLIENT_CA_FIELD, doc["authentication"]["x509"]["clientCAFile"].as_str());
}

fn kubelet_command(files: &BundleFiles, dir: &str, ctx: &CheckContext) -> Option<KubeletCommand> {
    let mut command = unit_command(files, dir)?;
    if ctx.version >= KUBELET_CONFIG_FILE {
        if let Some(config) = command.flags.get("--config") {
            let path = on_node(dir, config);
            if let Some(doc) = files.document(&path) {
                fold_config(&mut command, doc);
                command.config = Some((path, doc.clone()));
            }
        }
    }
    Some(command)
}

fn unit_command(files: &BundleFiles, dir: &str) -> Option<KubeletCommand> {
    files.below(dir).into_iter().find_map(|(rel, entry)| {
        if !rel.ends_with(".service") {
            return None;
        }
        let text = entry.text()?;
        let mut lines = text.lines();
        let mut exec = String::new();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("ExecStart=") {
                exec.push_str(rest);
                while exec.ends_with('\\') {
                    exec.pop();
                    exec.push(' ');
                    exec.push_str(lines.next().unwrap_or_default());
                }
                break;
            }
        }
        let words = crate::words::systemd_words(&exec);
        if !words.first().is_some_and(|w| w.ends_with("kubelet")) {
            return None;
        }
        let flags = words
            .iter()
            .skip(1)
            .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        Some(KubeletCommand { unit_path: format!("{dir}/{rel}"), words, flags, config: None, from_config: BTreeMap::new() })
    })
}

/// A node path as a path inside the bundle.
fn on_node(dir: &str, node_path: &str) -> String {
    format!("{dir}/{}", node_path.trim_start_matches('/'))
}

pub(super) fn check(files: &BundleFiles, name: &str, ca: Option<&CertFacts>, addons: &Addons, ctx: &CheckContext, out: &mut Findings) {
    let dir = layout::worker_dir(name);
    let Some(kubelet) = kubelet_command(files, &dir, ctx) else {
        out.add(Status::Fail, "kubelet-unit", WHY_UNIT, format!("{name}: a kubelet unit"), vec![dir.clone()], "no .service file whose ExecStart runs a kubelet".into());
        return;
    };
    check_flags(name, &kubelet, ctx, out);
    check_kubelet_config(name, &kubelet, ctx, out);

    // Files the flags (and the configuration file) name. A bootstrapping kubelet writes its
    // --kubeconfig itself, from what --bootstrap-kubeconfig lets it ask for.
    let bootstrapping = kubelet.flags.get("--bootstrap-kubeconfig").map(|path| bootstrap::Bootstrapping {
        kubeconfig: on_node(&dir, path),
        config: kubelet.config.as_ref(),
        dir: &dir,
    });
    let mut missing = Vec::new();
    let mut named = Vec::new();
    let config_flag = (ctx.version >= KUBELET_CONFIG_FILE).then_some("--config");
    let kubeconfig_flag = if bootstrapping.is_some() { "--bootstrap-kubeconfig" } else { "--kubeconfig" };
    for flag in config_flag.into_iter().chain([kubeconfig_flag, "--tls-cert-file", "--tls-private-key-file", "--client-ca-file"]) {
        if let Some(path) = kubelet.flags.get(flag) {
            let in_bundle = on_node(&dir, path);
            let delivered = files.get(&in_bundle).is_some();
            if !delivered {
                missing.push(format!("{flag}={path}"));
            }
            let (source, spelled) = kubelet.source(flag);
            named.push((source.to_owned(), in_bundle, spelled, delivered));
        }
    }
    let title = format!("{name}: every file the kubelet's flags name is delivered");
    let finding = if missing.is_empty() {
        out.add(Status::Pass, "kubelet-files", WHY_FILES, title, kubelet.sources(), String::new())
    } else {
        out.add(Status::Fail, "kubelet-files", WHY_FILES, title, kubelet.sources(), format!("missing: {}", missing.join(", ")))
    };
    for (source, target, spelled, delivered) in named {
        out.link_as(finding, &source, &target, spelled, if delivered { Status::Pass } else { Status::Fail });
    }

    match &bootstrapping {
        Some(join) => bootstrap::check(files, name, join, ca, &addons.bootstrap, ctx, out),
        None => {
            let client = kubelet.flags.get("--kubeconfig").and_then(|path| check_kubeconfig(files, name, &dir, path, ca, ctx, out));
            check_identity(files, name, &dir, &kubelet, client.as_ref(), ctx, out);
        }
    }
    check_dns(addons, name, &kubelet, out);
    check_kube_proxy(files, name, &dir, &kubelet, addons, ca, ctx, out);
    check_modes_and_ca_key(files, name, &dir, ca, out);
    script::check_install(files, name, &dir, layout::INSTALL, out);
}

fn check_flags(name: &str, kubelet: &KubeletCommand, ctx: &CheckContext, out: &mut Findings) {
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    for word in kubelet.words.iter().skip(1).filter(|w| w.starts_with("--")) {
        match kubelet_flag(word) {
            Some(h) if h.added > ctx.version => problems.push(format!("{} arrived in {}", h.flag, h.added)),
            Some(h) if h.removed.is_some_and(|r| r <= ctx.version) => {
                problems.push(format!("{} was removed in {} ({})", h.flag, h.removed.map(|r| r.to_string()).unwrap_or_default(), h.note))
            }
            Some(_) => {}
            None => unknown.push(word.split('=').next().unwrap_or(word).to_owned()),
        }
    }
    if ctx.version >= KUBELET_CONFIG_FILE {
        if let Some(config) = kubelet.flags.get("--config") {
            if !config.ends_with(".yaml") && !config.ends_with(".yml") && !config.ends_with(".json") {
                problems.push(format!("--config={config} looks like a directory; since 1.10 it names a KubeletConfiguration file"));
            }
        }
    }
    let title = format!("{name}: kubelet flags fit Kubernetes {}", ctx.version);
    let files = vec![kubelet.unit_path.clone()];
    if !problems.is_empty() {
        out.add(Status::Fail, "version-fit", WHY_FLAGS, title, files, problems.join("; "));
    } else if !unknown.is_empty() {
        out.add(Status::Warn, "version-fit", WHY_FLAGS, title, files, format!("not in the studio's flag table: {}", unknown.join(", ")));
    } else {
        out.add(Status::Pass, "version-fit", WHY_FLAGS, title, files, String::new());
    }
}

/// The KubeletConfiguration: the right kind, only fields the version has, and a closed kubelet API.
fn check_kubelet_config(name: &str, kubelet: &KubeletCommand, ctx: &CheckContext, out: &mut Findings) {
    let Some((path, doc)) = &kubelet.config else { return };
    let title = format!("{name}: the KubeletConfiguration fits Kubernetes {} and closes the kubelet API", ctx.version);
    let files = vec![path.clone()];
    let mut problems = Vec::new();
    let api_version = doc["apiVersion"].as_str().unwrap_or_default();
    if doc["kind"].as_str() != Some("KubeletConfiguration") || api_version != "kubelet.config.k8s.io/v1beta1" {
        problems.push(format!("it is {:?} {api_version:?}, not a kubelet.config.k8s.io/v1beta1 KubeletConfiguration", doc["kind"].as_str().unwrap_or_default()));
    }
    for (field, since) in CONFIG_FIELDS {
        let Some(field) = field.strip_prefix("KubeletConfiguration.") else { continue };
        if !doc[field].is_null() && since > ctx.version {
            problems.push(format!("{field} arrived in {since}"));
        }
    }
    if !problems.is_empty() {
        out.add(Status::Fail, "kubelet-config", WHY_CONFIG, title, files, problems.join("; "));
        return;
    }
    let mut open = Vec::new();
    if doc["authentication"]["anonymous"]["enabled"].as_bool() != Some(false) {
        open.push("anonymous requests are not turned off (authentication.anonymous.enabled: false)");
    }
    if doc["authorization"]["mode"].as_str() != Some("Webhook") {
        open.push("requests are not authorized by the API server (authorization.mode: Webhook)");
    }
    if open.is_empty() {
        out.add(Status::Pass, "kubelet-config", WHY_CONFIG, title, files, "anonymous off, webhook authorization".into());
    } else {
        out.add(Status::Warn, "kubelet-config", WHY_CONFIG, title, files, open.join("; "));
    }
}

/// The client certificate, key and CA a kubeconfig names, once resolved on the node.
struct ClientFiles {
    cert_path: String,
    cert: CertFacts,
}

fn check_kubeconfig(
    files: &BundleFiles,
    name: &str,
    dir: &str,
    node_path: &str,
    ca: Option<&CertFacts>,
    ctx: &CheckContext,
    out: &mut Findings,
) -> Option<ClientFiles> {
    let path = on_node(dir, node_path);
    let title = format!("{name}: the kubeconfig's current context resolves to files on the node");
    let doc = files.document(&path)?;
    let fail = |out: &mut Findings, detail: String| {
        out.add(Status::Fail, "kubeconfig", WHY_KUBECONFIG, title.clone(), vec![path.clone()], detail);
    };
    let current = doc["current-context"].as_str().unwrap_or_default();
    let find = |list: &str, wanted: &str| {
        doc[list].as_sequence().into_iter().flatten().find(|e| e["name"].as_str() == Some(wanted)).cloned()
    };
    let Some(context) = find("contexts", current) else {
        fail(out, format!("current-context {current:?} names no context"));
        return None;
    };
    let cluster_name = context["context"]["cluster"].as_str().unwrap_or_default();
    let user_name = context["context"]["user"].as_str().unwrap_or_default();
    let (Some(cluster), Some(user)) = (find("clusters", cluster_name), find("users", user_name)) else {
        fail(out, format!("context {current:?} names cluster {cluster_name:?} or user {user_name:?}, which the file lacks"));
        return None;
    };
    let mut missing = Vec::new();
    let mut named: Vec<(&'static str, String, bool)> = Vec::new();
    let mut resolve = |key: &'static str, value: &yaml::Value| -> Option<String> {
        let node_path = value.as_str()?;
        let in_bundle = on_node(dir, node_path);
        let delivered = files.get(&in_bundle).is_some();
        named.push((key, in_bundle.clone(), delivered));
        if !delivered {
            missing.push(format!("{key}: {node_path}"));
            return None;
        }
        Some(in_bundle)
    };
    let ca_path = resolve("certificate-authority", &cluster["cluster"]["certificate-authority"]);
    let cert_path = resolve("client-certificate", &user["user"]["client-certificate"]);
    let key_path = resolve("client-key", &user["user"]["client-key"]);
    let link = |out: &mut Findings, finding: usize, named: &[(&'static str, String, bool)]| {
        for (key, target, delivered) in named {
            out.link_as(finding, &path, target, key, if *delivered { Status::Pass } else { Status::Fail });
        }
    };
    if !missing.is_empty() {
        let finding = out.add(Status::Fail, "kubeconfig", WHY_KUBECONFIG, title.clone(), vec![path.clone()], format!("not on the node: {}", missing.join(", ")));
        link(out, finding, &named);
        return None;
    }
    let (Some(ca_path), Some(cert_path), Some(key_path)) = (ca_path, cert_path, key_path) else {
        let finding = out.add(Status::Warn, "kubeconfig", WHY_KUBECONFIG, title, vec![path.clone()], "uses inline *-data or omits a file; only file paths are checked".into());
        link(out, finding, &named);
        return None;
    };
    let finding = out.add(Status::Pass, "kubeconfig", WHY_KUBECONFIG, title, vec![path.clone(), ca_path.clone(), cert_path.clone(), key_path.clone()], format!("context {current}"));
    link(out, finding, &named);

    let title = format!("{name}: the client certificate chains to the kubeconfig's CA and fits its key");
    let involved = vec![cert_path.clone(), ca_path.clone(), key_path.clone()];
    let facts = (|| {
        let kube_ca = files.certificate(&ca_path)?;
        let cert = files.certificate(&cert_path)?;
        files.signed_by(&cert_path, kube_ca)?;
        if ca.is_some_and(|bundle_ca| bundle_ca.der != kube_ca.der) {
            return Err(format!("{ca_path} is not the bundle's CA ({})", layout::ca_cert_path()));
        }
        if ctx.now < cert.not_before || ctx.now > cert.not_after {
            return Err("the client certificate is outside its validity window".into());
        }
        let key = files.private_key(&key_path)?;
        if !key.matches_public_key(&cert.public_key) {
            return Err(format!("{key_path} does not belong to {cert_path}"));
        }
        Ok(cert.clone())
    })();
    match facts {
        Ok(cert) => {
            let finding = out.add(Status::Pass, "client-cert", WHY_CLIENT, title, involved, String::new());
            out.link(finding, &cert_path, &ca_path, graph::SIGNED_BY);
            Some(ClientFiles { cert_path, cert })
        }
        Err(e) => {
            let finding = out.add(Status::Fail, "client-cert", WHY_CLIENT, title, involved, e);
            out.link(finding, &cert_path, &ca_path, graph::SIGNED_BY);
            None
        }
    }
}

/// The worker's IP: from the spec, or from `export WORKER_IP=` in keys-on-node.sh.
fn expected_ip(files: &BundleFiles, name: &str, dir: &str, ctx: &CheckContext) -> Option<std::net::IpAddr> {
    ctx.expected_ips.get(name).copied().or_else(|| {
        files.text(&format!("{dir}/{}", layout::KEYS_ON_NODE))?.lines().find_map(|l| l.strip_prefix("export WORKER_IP=")?.trim().parse().ok())
    })
}

fn check_identity(
    files: &BundleFiles,
    name: &str,
    dir: &str,
    kubelet: &KubeletCommand,
    client: Option<&ClientFiles>,
    ctx: &CheckContext,
    out: &mut Findings,
) {
    let serving = kubelet.flags.get("--tls-cert-file").map(|p| on_node(dir, p));
    let (cert_path, cert) = match (&serving, client) {
        (Some(path), _) => match files.get(path).map(FileEntry::certificate) {
            Some(Ok(cert)) => (path.clone(), cert.clone()),
            _ => return,
        },
        // A system:node client certificate carries no IP; the node-identity check covers it.
        (None, Some(c)) if c.cert.common_name.as_deref().is_some_and(|cn| cn.starts_with("system:node:")) => {
            if ctx.version >= NODE_AUTHORIZER {
                check_node_identity(name, c, out);
            }
            return;
        }
        (None, Some(c)) => (c.cert_path.clone(), c.cert.clone()),
        (None, None) => return,
    };
    let title = format!("{name}: the worker certificate names the worker and its IP");
    let mut problems = Vec::new();
    let cn = cert.common_name.clone().unwrap_or_default();
    let node_user = node_user(name);
    if cn != name && cn != node_user {
        problems.push(format!("its CN is {cn:?}, not {name:?} or {node_user:?}"));
    }
    if cn == node_user && !cert.organizations.iter().any(|o| o == NODES_GROUP) {
        problems.push(format!("it lacks O={NODES_GROUP}"));
    }
    if serving.is_some() && !cert.server_auth {
        problems.push("its extended key usage lacks serverAuth, so TLS clients refuse it as the kubelet's server certificate".into());
    }
    let detail = match expected_ip(files, name, dir, ctx) {
        Some(ip) if !cert.ip_sans.contains(&ip) => {
            problems.push(format!("its IP SANs {:?} lack {ip}", cert.ip_sans));
            String::new()
        }
        Some(ip) => format!("CN={cn}, IP SAN {ip}"),
        None if cert.ip_sans.is_empty() => {
            problems.push("it has no IP SAN".into());
            String::new()
        }
        None => format!("CN={cn}, IP SANs {:?} (the worker's IP is not recorded to compare)", cert.ip_sans),
    };
    if problems.is_empty() {
        out.add(Status::Pass, "identity", WHY_IDENTITY, title, vec![cert_path.clone()], detail);
    } else {
        out.add(Status::Fail, "identity", WHY_IDENTITY, title, vec![cert_path.clone()], problems.join("; "));
    }
    if let Some(client) = client.filter(|_| ctx.version >= NODE_AUTHORIZER) {
        check_node_identity(name, client, out);
    }

    // The CSR next to the certificate, if any, must agree with it.
    let Some(csr_path) = files.below(dir).into_iter().find(|(rel, e)| rel.ends_with(".csr") && e.text().is_some()).map(|(rel, _)| format!("{dir}/{rel}")) else {
        return;
    };
    let title = format!("{name}: the CSR agrees with the key and the certificate");
    let key = kubelet
        .flags
        .get("--tls-private-key-file")
        .and_then(|p| files.private_key(&on_node(dir, p)).ok());
    let result = x509::csr(files.text(&csr_path).unwrap_or_default()).and_then(|csr| {
        if key.as_ref().is_some_and(|k| !k.matches_public_key(&csr.public_key)) {
            Err("its public key differs from the private key's".to_owned())
        } else if csr.public_key != cert.public_key {
            Err("its public key differs from the certificate's".to_owned())
        } else if csr.common_name != cert.common_name {
            Err(format!("its CN {:?} differs from the certificate's {:?}", csr.common_name, cert.common_name))
        } else {
            Ok(())
        }
    });
    let finding = match result {
        Ok(()) => out.add(Status::Pass, "csr", WHY_CSR, title, vec![csr_path.clone(), cert_path.clone()], String::new()),
        Err(e) => out.add(Status::Fail, "csr", WHY_CSR, title, vec![csr_path.clone(), cert_path.clone()], e),
    };
    out.link(finding, &csr_path, &cert_path, graph::REQUEST_FOR);
}

/// The kubelet's client certificate is the identity the Node authorizer admits.
fn check_node_identity(name: &str, client: &ClientFiles, out: &mut Findings) {
    let title = format!("{name}: the kubelet authenticates as system:node:{name} in group {NODES_GROUP}");
    let cert = &client.cert;
    let mut problems = Vec::new();
    let cn = cert.common_name.clone().unwrap_or_default();
    if cn != format!("system:node:{name}") {
        problems.push(format!("its CN is {cn:?}"));
    }
    if !cert.organizations.iter().any(|o| o == NODES_GROUP) {
        problems.push(format!("its groups (O=) {:?} lack {NODES_GROUP}", cert.organizations));
    }
    if !cert.client_auth {
        problems.push("its extended key usage lacks clientAuth".into());
    }
    let files = vec![client.cert_path.clone()];
    if problems.is_empty() {
        out.add(Status::Pass, "node-identity", WHY_NODE_IDENTITY, title, files, format!("CN={cn}, O={NODES_GROUP}"));
    } else {
        out.add(Status::Fail, "node-identity", WHY_NODE_IDENTITY, title, files, problems.join("; "));
    }
}

/// How a reference from the kubelet's DNS settings to the add-on reads, by what set them.
fn dns_kind(spelled: &str) -> &'static str {
    match spelled {
        CLUSTER_DNS_FIELD => "clusterDNS = clusterIP",
        "--cluster-dns" => "--cluster-dns = clusterIP",
        "clusterDomain" => "clusterDomain = served domain",
        _ => "--cluster-domain = served domain",
    }
}

fn check_dns(dns: &Addons, name: &str, kubelet: &KubeletCommand, out: &mut Findings) {
    let unit = kubelet.config.as_ref().map_or_else(|| kubelet.unit_path.clone(), |(path, _)| path.clone());
    if let Some(dns_ip) = kubelet.flags.get("--cluster-dns") {
        let title = format!("{name}: --cluster-dns is the DNS Service's clusterIP");
        let (source, spelled) = kubelet.source("--cluster-dns");
        match &dns.service {
            Some((path, service)) => {
                let cluster_ip = service["spec"]["clusterIP"].as_str().unwrap_or_default().to_owned();
                let files_list = vec![unit.clone(), path.clone()];
                let finding = if &cluster_ip == dns_ip {
                    out.add(Status::Pass, "cluster-dns", WHY_CLUSTER_DNS, title, files_list, dns_ip.clone())
                } else {
                    out.add(Status::Fail, "cluster-dns", WHY_CLUSTER_DNS, title, files_list, format!("the kubelet says {dns_ip}, the Service {cluster_ip:?}"))
                };
                out.link(finding, source, path, dns_kind(spelled));
            }
            None => {
                out.add(Status::Warn, "cluster-dns", WHY_CLUSTER_DNS, title, vec![unit.clone()], "no kube-dns Service to compare with".into());
            }
        }
    }
    if let Some(domain) = kubelet.flags.get("--cluster-domain") {
        let title = format!("{name}: --cluster-domain is the domain the DNS add-on serves");
        let (source, spelled) = kubelet.source("--cluster-domain");
        let kind = dns_kind(spelled);
        match &dns.domain {
            Some((path, served)) if served == domain.trim_end_matches('.') => {
                let finding = out.add(Status::Pass, "cluster-domain", WHY_DOMAIN, title, vec![unit, path.clone()], served.clone());
                out.link(finding, source, path, kind);
            }
            Some((path, served)) => {
                let finding = out.add(Status::Fail, "cluster-domain", WHY_DOMAIN, title, vec![unit, path.clone()], format!("the kubelet says {domain}, the add-on serves {served}"));
                out.link(finding, source, path, kind);
            }
            None => {
                out.add(Status::Warn, "cluster-domain", WHY_DOMAIN, title, vec![unit], "the DNS add-on's domain was not found".into());
            }
        }
    }
}

/// kube-proxy: a static pod with a kubeconfig on the node (directly or through its
/// KubeProxyConfiguration), or a DaemonSet among the add-ons.
#[allow(clippy::too_many_arguments)]
fn check_kube_proxy(
    files: &BundleFiles,
    name: &str,
    dir: &str,
    kubelet: &KubeletCommand,
    addons: &Addons,
    ca: Option<&CertFacts>,
    ctx: &CheckContext,
    out: &mut Findings,
) {
    let pod_flag = if kubelet.flags.contains_key("--pod-manifest-path") { "--pod-manifest-path" } else { "--config" };
    let pod_dir = kubelet
        .flags
        .get("--pod-manifest-path")
        .or_else(|| kubelet.flags.get("--config").filter(|_| ctx.version < KUBELET_CONFIG_FILE));
    let Some(pod_dir) = pod_dir else { return };
    let (pod_source, pod_spelled) = kubelet.source(pod_flag);
    let pod_kind = match pod_spelled {
        "staticPodPath" => "staticPodPath (static pod)",
        "--pod-manifest-path" => "--pod-manifest-path (static pod)",
        _ => "--config (static pod directory)",
    };
    let title = format!("{name}: kube-proxy runs from the kubelet's static pod directory");
    let bundle_dir = on_node(dir, pod_dir);
    let proxy = files.below(&bundle_dir).into_iter().find_map(|(rel, entry)| {
        let doc = entry.document()?;
        let containers = doc["spec"]["containers"].as_sequence()?.clone();
        let container = containers.into_iter().find(|c| c["name"].as_str() == Some("kube-proxy"))?;
        Some((format!("{bundle_dir}/{rel}"), container))
    });
    let Some((path, container)) = proxy else {
        match &addons.kube_proxy_daemonset {
            Some(daemonset) => {
                let title = format!("{name}: kube-proxy runs on the node as a DaemonSet");
                let finding = out.add(Status::Pass, "static-pod", WHY_STATIC_POD, title, vec![daemonset.clone()], String::new());
                out.link(finding, daemonset, &kubelet.unit_path, "kube-proxy pod on this node");
            }
            None => {
                out.add(Status::Fail, "static-pod", WHY_STATIC_POD, title, kubelet.sources(), format!("no kube-proxy pod in {pod_dir} and no kube-proxy DaemonSet among the add-ons"));
            }
        }
        return;
    };
    let pod_path = path.clone();
    let words: Vec<String> = ["command", "args"]
        .iter()
        .flat_map(|k| container[*k].as_sequence().cloned().unwrap_or_default())
        .filter_map(|w| w.as_str().map(str::to_owned))
        .collect();
    let flag = |name: &str| words.iter().find_map(|w| w.strip_prefix(name).map(str::to_owned));
    // kube-proxy reads its kubeconfig from a flag, or from its KubeProxyConfiguration's clientConnection.
    let from_config = flag("--config=").map(|config| {
        let doc = files.document(&on_node(dir, &config));
        (config, doc.and_then(|d| d["clientConnection"]["kubeconfig"].as_str().map(str::to_owned)))
    });
    // The pod's references: to its KubeProxyConfiguration and from there to the kubeconfig, or
    // straight to the kubeconfig.
    let mut chain: Vec<(String, String, &'static str)> = Vec::new();
    let kubeconfig = match (flag("--kubeconfig="), from_config) {
        (Some(k), _) => {
            chain.push((pod_path.clone(), on_node(dir, &k), "--kubeconfig"));
            Ok(k)
        }
        (None, Some((config, Some(k)))) => {
            chain.push((pod_path.clone(), on_node(dir, &config), "--config"));
            chain.push((on_node(dir, &config), on_node(dir, &k), "clientConnection.kubeconfig"));
            Ok(k)
        }
        (None, Some((config, None))) => {
            chain.push((pod_path.clone(), on_node(dir, &config), "--config"));
            Err(format!("its --config={config} is not on the node or names no clientConnection.kubeconfig"))
        }
        (None, None) => Err("kube-proxy is given no --kubeconfig or --config".to_owned()),
    };
    let finding = match &kubeconfig {
        Ok(k) if files.get(&on_node(dir, k)).is_some() => out.add(Status::Pass, "static-pod", WHY_STATIC_POD, title, vec![path], format!("kubeconfig {k}")),
        Ok(k) => out.add(Status::Fail, "static-pod", WHY_STATIC_POD, title, vec![path], format!("its kubeconfig {k} is not on the node")),
        Err(e) => out.add(Status::Fail, "static-pod", WHY_STATIC_POD, title, vec![path], e.clone()),
    };
    out.link(finding, pod_source, &pod_path, pod_kind);
    for (from, to, kind) in &chain {
        let status = if files.get(to).is_some() { Status::Pass } else { Status::Fail };
        out.link_as(finding, from, to, kind, status);
    }
    if let Some(k) = kubeconfig.ok().filter(|k| files.get(&on_node(dir, k)).is_some()) {
        if ctx.version >= KUBECONFIG_NAMES_SERVER {
            if let Some(client) = check_kubeconfig(files, name, dir, &k, ca, ctx, out) {
                check_proxy_identity(name, &client, out);
            }
        }
    }
}

fn check_proxy_identity(name: &str, client: &ClientFiles, out: &mut Findings) {
    let title = format!("{name}: kube-proxy authenticates as {KUBE_PROXY_USER}");
    let cn = client.cert.common_name.clone().unwrap_or_default();
    let files = vec![client.cert_path.clone()];
    if cn == KUBE_PROXY_USER && client.cert.client_auth {
        out.add(Status::Pass, "proxy-identity", WHY_PROXY_IDENTITY, title, files, format!("CN={cn}"));
    } else {
        out.add(Status::Fail, "proxy-identity", WHY_PROXY_IDENTITY, title, files, format!("its CN is {cn:?}{}", if client.cert.client_auth { "" } else { " and it lacks clientAuth" }));
    }
}

fn check_modes_and_ca_key(files: &BundleFiles, name: &str, dir: &str, ca: Option<&CertFacts>, out: &mut Findings) {
    let keys: Vec<(String, &FileEntry)> = files
        .below(dir)
        .into_iter()
        .filter(|(rel, e)| !rel.ends_with(".sh") && e.text().is_some_and(|t| t.contains("PRIVATE KEY-----")))
        .map(|(rel, e)| (format!("{dir}/{rel}"), e))
        .collect();
    let loose: Vec<String> = keys.iter().filter(|(_, e)| e.mode.is_some_and(|m| m & 0o077 != 0)).map(|(p, e)| format!("{p} ({:04o})", e.mode.unwrap_or(0))).collect();
    let title = format!("{name}: private keys are readable by their owner only (0600)");
    let paths: Vec<String> = keys.iter().map(|(p, _)| p.clone()).collect();
    if loose.is_empty() {
        out.add(Status::Pass, "key-modes", WHY_MODES, title, paths, String::new());
    } else {
        out.add(Status::Fail, "key-modes", WHY_MODES, title, paths, format!("too open: {}", loose.join(", ")));
    }

    let Some(ca) = ca else { return };
    let title = format!("{name}: the CA key is not on the worker");
    // A key block that is one of the worker's key files (an install script's copy, say) is that
    // file's key, read once; any other is read here.
    let key_files: Vec<&PrivateKey> = keys.iter().filter_map(|(_, e)| e.private_key().ok()).collect();
    let is_ca_key = |block: &pem::Pem| match key_files.iter().find(|k| block.tag() == "PRIVATE KEY" && k.pkcs8_der() == block.contents()) {
        Some(key) => key.matches_public_key(&ca.public_key),
        None => PrivateKey::from_pem(&pem::encode(block)).is_ok_and(|k| k.matches_public_key(&ca.public_key)),
    };
    let ca_keys: Vec<String> = files
        .below(dir)
        .into_iter()
        .filter_map(|(rel, e)| {
            let text = e.text()?;
            let holds_ca_key = private_key_blocks(text).filter_map(|block| pem::parse(block).ok()).any(|block| is_ca_key(&block));
            holds_ca_key.then(|| format!("{dir}/{rel}"))
        })
        .collect();
    if ca_keys.is_empty() {
        out.add(Status::Pass, "ca-key", WHY_CA_KEY, title, vec![], String::new());
    } else {
        out.add(Status::Fail, "ca-key", WHY_CA_KEY, title, ca_keys, "holds the CA's private key".into());
    }
}

/// The PEM blocks of `text` whose tag ends in PRIVATE KEY, from BEGIN to END (a script's copies of
/// certificates and configuration are not decoded on the way).
fn private_key_blocks(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("-----BEGIN ").filter_map(|(start, _)| {
        let rest = &text[start..];
        let tag = rest["-----BEGIN ".len()..].split_once("-----")?.0;
        tag.ends_with("PRIVATE KEY").then_some(())?;
        let end_line = format!("-----END {tag}-----");
        let end = rest.find(&end_line)? + end_line.len();
        Some(&rest[..end])
    })
}
