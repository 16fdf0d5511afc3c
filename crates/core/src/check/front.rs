//! The API front's files against each other and the kubeconfigs: every HAProxy passes to the same
//! API servers, each health-checked; one MASTER, distinct priorities and a check weight above
//! their spread, one VIP and router id on every LB host, a check script keepalived will run;
//! HAProxy's port free of an API server on the same host, the VIP on the LB hosts' network and
//! nobody's own address; and every kubeconfig, kubectl and kube-proxy pointing at the front.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use super::files::BundleFiles;
use super::graph::API_SERVER;
use super::{CheckContext, Findings, Status};
use crate::bundle::layout;
use crate::yaml;

const WHY_BACKENDS: &str = "an API server missing from one HAProxy gets no traffic through that host, and one without a health check keeps getting connections after it fails";
const WHY_VRRP: &str = "two MASTERs or equal priorities let two hosts claim the VIP; a check that cannot lower a MASTER below a healthy BACKUP never moves the VIP; keepalived skips a script it may not run";
const WHY_ENDPOINT: &str = "a node or kubectl that names another address than the front bypasses it, and stops when that one API server does";
const WHY_PORTS: &str = "HAProxy cannot listen where kube-apiserver already does, and a VIP off the LB hosts' network, or one a host already has, is never reachable";

/// The files a front is made of, on LB hosts and workers.
const HAPROXY_CFG: &str = "etc/haproxy/haproxy.cfg";
const KEEPALIVED_CONF: &str = "etc/keepalived/keepalived.conf";

/// One `haproxy.cfg`, as far as the checks read it.
struct HaproxyFile {
    path: String,
    /// The host's folder (`lb-hosts/lb01`, `workers/worker01`).
    dir: String,
    /// The URL its first line records.
    endpoint: Option<String>,
    /// The frontend's `bind` (the first of the section that has `default_backend`).
    bind: Option<(String, u16)>,
    /// `server` lines of the backends: name, address, whether checked.
    servers: Vec<(String, String, bool)>,
}

/// The words of each line with the section it is in; comments dropped.
fn haproxy_lines(text: &str) -> Vec<(String, Vec<&str>)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let content = line.split('#').next().unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        if !content.starts_with(char::is_whitespace) {
            section = content.trim().to_owned();
            continue;
        }
        out.push((section.clone(), content.split_whitespace().collect()));
    }
    out
}

fn split_address(address: &str) -> Option<(String, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    Some((host.trim_start_matches('[').trim_end_matches(']').to_owned(), port.parse().ok()?))
}

fn read_haproxy(path: &str, dir: &str, text: &str) -> HaproxyFile {
    let lines = haproxy_lines(text);
    let serving: BTreeSet<&str> = lines.iter().filter(|(_, w)| w.first() == Some(&"default_backend")).map(|(s, _)| s.as_str()).collect();
    let bind = lines
        .iter()
        .find(|(section, words)| serving.contains(section.as_str()) && words.first() == Some(&"bind"))
        .and_then(|(_, words)| split_address(words.get(1)?));
    let servers = lines
        .iter()
        .filter(|(_, words)| words.first() == Some(&"server") && words.len() >= 3)
        .map(|(_, words)| (words[1].to_owned(), words[2].to_owned(), words[3..].contains(&"check")))
        .collect();
    let endpoint = text.lines().next().and_then(layout::read_front_header).map(str::to_owned);
    HaproxyFile { path: path.to_owned(), dir: dir.to_owned(), endpoint, bind, servers }
}

/// One `keepalived.conf`, as far as the checks read it.
#[derive(Default)]
struct KeepalivedFile {
    path: String,
    dir: String,
    state: Option<String>,
    priority: Option<i64>,
    router_id: Option<String>,
    vip: Option<String>,
    weight: Option<i64>,
    script: Option<String>,
    script_security: bool,
    script_user: bool,
    tracks: bool,
    unicast_src: Option<String>,
    unicast_peers: Vec<String>,
}

fn read_keepalived(path: &str, dir: &str, text: &str) -> KeepalivedFile {
    let mut file = KeepalivedFile { path: path.to_owned(), dir: dir.to_owned(), ..KeepalivedFile::default() };
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let content = line.split(['#', '!']).next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let words: Vec<&str> = content.split_whitespace().filter(|w| *w != "{" && *w != "}").collect();
        let block = blocks.last().map(String::as_str).unwrap_or("");
        match (block, words.as_slice()) {
            ("virtual_ipaddress", [address, ..]) => file.vip = Some((*address).to_owned()),
            ("unicast_peer", [peer, ..]) => file.unicast_peers.push((*peer).to_owned()),
            ("track_script", [_, ..]) => file.tracks = true,
            (_, ["state", state, ..]) => file.state = Some((*state).to_owned()),
            (_, ["priority", n, ..]) => file.priority = n.parse().ok(),
            (_, ["virtual_router_id", n, ..]) => file.router_id = Some((*n).to_owned()),
            (_, ["weight", n, ..]) => file.weight = n.parse().ok(),
            (_, ["script", script, ..]) => file.script = Some(script.trim_matches('"').to_owned()),
            (_, ["enable_script_security", ..]) => file.script_security = true,
            (_, ["script_user", ..]) => file.script_user = true,
            (_, ["unicast_src_ip", ip, ..]) => file.unicast_src = Some((*ip).to_owned()),
            _ => {}
        }
        if content.ends_with('{') {
            blocks.push(words.first().map_or_else(String::new, |w| (*w).to_owned()));
        }
        if content.starts_with('}') {
            blocks.pop();
        }
    }
    file
}

/// Every folder of the bundle that holds one of the front's files.
fn front_files(files: &BundleFiles) -> (Vec<HaproxyFile>, Vec<KeepalivedFile>) {
    let mut proxies = Vec::new();
    let mut vrrp = Vec::new();
    for (path, entry) in &files.entries {
        let Some(text) = entry.text() else { continue };
        if let Some(dir) = path.strip_suffix(&format!("/{HAPROXY_CFG}")) {
            proxies.push(read_haproxy(path, dir, text));
        } else if let Some(dir) = path.strip_suffix(&format!("/{KEEPALIVED_CONF}")) {
            vrrp.push(read_keepalived(path, dir, text));
        }
    }
    (proxies, vrrp)
}

/// Runs the front's checks; a bundle without a front of the studio's gets only the endpoint's
/// (every kubeconfig names the same API server).
pub(super) fn check(files: &BundleFiles, ctx: &CheckContext, out: &mut Findings) {
    let (proxies, vrrp) = front_files(files);
    check_backends(&proxies, out);
    check_vrrp(files, &vrrp, out);
    check_endpoint(files, &proxies, &vrrp, out);
    check_ports(files, &proxies, &vrrp, ctx, out);
    for dir in proxies.iter().map(|p| &p.dir).filter(|d| d.starts_with(&format!("{}/", layout::LB_HOSTS))) {
        let name = dir.rsplit('/').next().unwrap_or(dir);
        super::script::check_install(files, name, dir, layout::INSTALL_LB, out);
    }
}

fn check_backends(proxies: &[HaproxyFile], out: &mut Findings) {
    if proxies.is_empty() {
        return;
    }
    let all: BTreeSet<(&str, &str)> = proxies.iter().flat_map(|p| p.servers.iter().map(|(n, a, _)| (n.as_str(), a.as_str()))).collect();
    for proxy in proxies {
        let title = format!("{}: HAProxy passes to every API server, each health-checked", proxy.dir);
        let has: BTreeSet<(&str, &str)> = proxy.servers.iter().map(|(n, a, _)| (n.as_str(), a.as_str())).collect();
        let missing: Vec<String> = all.difference(&has).map(|(n, a)| format!("{n} ({a})")).collect();
        let unchecked: Vec<&str> = proxy.servers.iter().filter(|(_, _, checked)| !checked).map(|(n, _, _)| n.as_str()).collect();
        let files = vec![proxy.path.clone()];
        let finding = if proxy.servers.is_empty() {
            out.add(Status::Fail, "front-backends", WHY_BACKENDS, title, files, "it lists no server".into())
        } else if !missing.is_empty() {
            out.add(Status::Fail, "front-backends", WHY_BACKENDS, title, files, format!("lacks {}, which other hosts of the front pass to", missing.join(", ")))
        } else if !unchecked.is_empty() {
            out.add(Status::Fail, "front-backends", WHY_BACKENDS, title, files, format!("{} has no check", unchecked.join(", ")))
        } else {
            let names: Vec<&str> = proxy.servers.iter().map(|(n, _, _)| n.as_str()).collect();
            out.add(Status::Pass, "front-backends", WHY_BACKENDS, title, files, names.join(", "))
        };
        // A listed, health-checked server is a sound reference even where another is missing.
        for (name, address, checked) in &proxy.servers {
            let server = api_server(name, address);
            let status = if *checked { Status::Pass } else { Status::Fail };
            out.link_as(finding, &proxy.path, &server, "backend server", status);
        }
    }
}

/// How a reference names an API server behind the front.
fn api_server(name: &str, address: &str) -> String {
    format!("{API_SERVER}{name} {address}")
}

fn check_vrrp(files: &BundleFiles, vrrp: &[KeepalivedFile], out: &mut Findings) {
    if vrrp.is_empty() {
        return;
    }
    let paths: Vec<String> = vrrp.iter().map(|k| k.path.clone()).collect();
    let title = "keepalived: one MASTER, distinct priorities, a check that can move the VIP".to_owned();
    let mut problems = Vec::new();
    let masters = vrrp.iter().filter(|k| k.state.as_deref() == Some("MASTER")).count();
    if masters != 1 {
        problems.push(format!("{masters} hosts start as MASTER; exactly one must"));
    }
    let priorities: Vec<i64> = vrrp.iter().filter_map(|k| k.priority).collect();
    let distinct: BTreeSet<i64> = priorities.iter().copied().collect();
    if priorities.len() != vrrp.len() || distinct.len() != priorities.len() {
        problems.push(format!("the priorities {priorities:?} are not one distinct number per host"));
    }
    let spread = distinct.last().zip(distinct.first()).map_or(0, |(max, min)| max - min);
    for k in vrrp {
        match k.weight {
            Some(w) if w < 0 && -w > spread => {}
            Some(w) => problems.push(format!("{}: the check's weight {w} does not lower a host by more than the priorities' spread {spread}", k.dir)),
            None => problems.push(format!("{}: the check has no weight, so a failing check does not move the VIP", k.dir)),
        }
        if !k.tracks {
            problems.push(format!("{}: the VRRP instance tracks no script", k.dir));
        }
        if !(k.script_security && k.script_user) {
            problems.push(format!("{}: global_defs lacks enable_script_security or script_user, and keepalived refuses to run the check", k.dir));
        }
        match &k.script {
            Some(script) => {
                let in_bundle = format!("{}{script}", k.dir);
                match files.get(&in_bundle) {
                    None => problems.push(format!("{}: the check script {script} is not in the host's files", k.dir)),
                    Some(entry) => match entry.mode {
                        Some(mode) if mode & 0o022 != 0 || mode & 0o100 == 0 => {
                            problems.push(format!("{}: {script} has mode {mode:04o}; keepalived runs only a script root alone may change, and it must be executable", k.dir));
                        }
                        _ => {}
                    },
                }
            }
            None => problems.push(format!("{}: no vrrp_script names a check", k.dir)),
        }
    }
    for (what, values) in [("virtual_router_id", vrrp.iter().map(|k| k.router_id.clone()).collect::<Vec<_>>()), ("VIP", vrrp.iter().map(|k| k.vip.clone()).collect())] {
        let distinct: BTreeSet<&Option<String>> = values.iter().collect();
        if distinct.len() != 1 || values.iter().any(Option::is_none) {
            problems.push(format!("the hosts disagree on the {what}: {values:?}"));
        }
    }
    let sources: BTreeSet<&str> = vrrp.iter().filter_map(|k| k.unicast_src.as_deref()).collect();
    for k in vrrp.iter().filter(|k| k.unicast_src.is_some()) {
        let others: BTreeSet<&str> = sources.iter().copied().filter(|s| Some(*s) != k.unicast_src.as_deref()).collect();
        let peers: BTreeSet<&str> = k.unicast_peers.iter().map(String::as_str).collect();
        if peers != others {
            problems.push(format!("{}: unicast_peer lists {peers:?}, but the other hosts send from {others:?}", k.dir));
        }
    }
    let finding = if problems.is_empty() {
        let detail = vrrp
            .iter()
            .map(|k| format!("{} {} {}", k.dir.rsplit('/').next().unwrap_or(&k.dir), k.state.as_deref().unwrap_or("?"), k.priority.unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ");
        out.add(Status::Pass, "front-vrrp", WHY_VRRP, title, paths, detail)
    } else {
        out.add(Status::Fail, "front-vrrp", WHY_VRRP, title, paths, problems.join("\n"))
    };
    for k in vrrp {
        if let Some(script) = &k.script {
            out.link(finding, &k.path, &format!("{}{script}", k.dir), "vrrp_script");
        }
    }
}

/// Where a file names the API server, and how: every kubeconfig's `server` (also inside a
/// ConfigMap), and the `--server=`, `--api-servers=` and `--master=` words of scripts, units and
/// manifests.
fn named_servers(files: &BundleFiles) -> BTreeMap<String, BTreeSet<(String, &'static str)>> {
    let mut found: BTreeMap<String, BTreeSet<(String, &'static str)>> = BTreeMap::new();
    // The bundle's own documents (README.txt, CHECKS.md) quote the guide; only machines' files
    // count, and not the install scripts, whose copies of the files install-script checks.
    let is_install_script = |path: &str| path.ends_with(&format!("/{}", layout::INSTALL)) || path.ends_with(&format!("/{}", layout::INSTALL_LB));
    for (path, entry) in files.entries.iter().filter(|(path, _)| path.contains('/') && !is_install_script(path)) {
        let Some(text) = entry.text() else { continue };
        let mut servers = BTreeSet::new();
        let flags = [("--server=", "--server"), ("--api-servers=", "--api-servers"), ("--master=", "--master")];
        // Most files spell no such flag, and are not split into words.
        if flags.iter().any(|(flag, _)| text.contains(flag)) {
            for word in text.split(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
                for (flag, kind) in flags {
                    if let Some(url) = word.strip_prefix(flag).filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                        servers.insert((url.trim_end_matches(',').to_owned(), kind));
                    }
                }
            }
        }
        if text.contains("kind: Config") || text.contains("kind: ConfigMap") {
            for doc in entry.documents().unwrap_or_default() {
                servers.extend(kubeconfig_servers(doc).into_iter().map(|s| (s, "server")));
                for value in doc["data"].as_mapping().into_iter().flat_map(|m| m.values()) {
                    let inner = value.as_str().and_then(|t| yaml::parse_value(t).ok());
                    servers.extend(inner.iter().flat_map(kubeconfig_servers).map(|s| (s, "server")));
                }
            }
        }
        if !servers.is_empty() {
            found.insert(path.clone(), servers);
        }
    }
    found
}

fn kubeconfig_servers(doc: &yaml::Value) -> Vec<String> {
    if doc["kind"].as_str() != Some("Config") {
        return Vec::new();
    }
    doc["clusters"].as_sequence().into_iter().flatten().filter_map(|c| c["cluster"]["server"].as_str().map(str::to_owned)).collect()
}

/// The host and port of an `https://host[:port]` URL (443 when left out).
fn url_host_port(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("https://")?.trim_end_matches('/');
    if rest.starts_with('[') {
        let (host, after) = rest[1..].split_once(']')?;
        let port = after.strip_prefix(':').map_or(Some(443), |p| p.parse().ok())?;
        return Some((host.to_owned(), port));
    }
    match rest.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None => Some((rest.to_owned(), 443)),
    }
}

fn vip_address(vrrp: &[KeepalivedFile]) -> Option<(Ipv4Addr, u8)> {
    let vip = vrrp.iter().find_map(|k| k.vip.clone())?;
    let (address, prefix) = vip.split_once('/').unwrap_or((&vip, "32"));
    Some((address.parse().ok()?, prefix.parse().ok()?))
}

fn check_endpoint(files: &BundleFiles, proxies: &[HaproxyFile], vrrp: &[KeepalivedFile], out: &mut Findings) {
    let named = named_servers(files);
    if named.is_empty() {
        return;
    }
    let fronts: BTreeSet<&str> = proxies.iter().filter_map(|p| p.endpoint.as_deref()).collect();
    let involved: Vec<String> = named.keys().cloned().collect();
    let all: BTreeSet<&str> = named.values().flatten().map(|(s, _)| s.as_str()).collect();
    if fronts.is_empty() {
        let title = "Every kubeconfig and command names the same API server".to_owned();
        let finding = if all.len() == 1 {
            out.add(Status::Pass, "front-endpoint", WHY_ENDPOINT, title, involved, all.iter().copied().collect::<Vec<_>>().join(""))
        } else {
            out.add(Status::Warn, "front-endpoint", WHY_ENDPOINT, title, involved, format!("they name {}", all.into_iter().collect::<Vec<_>>().join(", ")))
        };
        for (path, servers) in &named {
            for (server, kind) in servers {
                out.link(finding, path, server, kind);
            }
        }
        return;
    }
    let title = "Every kubeconfig and command points at the API front".to_owned();
    let mut problems = Vec::new();
    if fronts.len() > 1 {
        problems.push(format!("the front's HAProxy files record different URLs: {}", fronts.iter().copied().collect::<Vec<_>>().join(", ")));
    }
    let Some(front) = fronts.first().copied() else { return };
    // Each reference's own verdict: a file naming another server, a proxy on another port, a
    // keepalived holding another VIP fail; the rest pass even when the check as a whole fails.
    let mut references: Vec<(String, String, &'static str, bool)> = Vec::new();
    for (path, servers) in &named {
        for (server, kind) in servers {
            let ok = server.as_str() == front;
            if !ok {
                problems.push(format!("{path} names {server}, not the front {front}"));
            }
            references.push((path.clone(), server.clone(), kind, ok));
        }
    }
    if let Some((host, port)) = url_host_port(front) {
        for proxy in proxies {
            let before = problems.len();
            match &proxy.bind {
                Some((_, bound)) if *bound == port => {}
                Some((_, bound)) => problems.push(format!("{}: HAProxy listens on {bound}, but the front's URL names port {port}", proxy.path)),
                None => problems.push(format!("{}: HAProxy's frontend has no bind", proxy.path)),
            }
            if let Some((bound, _)) = proxy.bind.as_ref().filter(|(b, _)| b == "127.0.0.1") {
                if host != *bound {
                    problems.push(format!("{}: HAProxy listens on {bound} only, but the front's URL names {host}", proxy.path));
                }
            }
            references.push((front.to_owned(), proxy.path.clone(), "served by HAProxy", problems.len() == before));
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            for k in vrrp {
                let before = problems.len();
                match vip_address(std::slice::from_ref(k)) {
                    Some((vip, _)) if IpAddr::V4(vip) == ip => {}
                    Some((vip, _)) => problems.push(format!("the front's URL names {ip}, but {}'s keepalived holds the VIP {vip}", k.dir)),
                    None => problems.push(format!("{}'s keepalived holds no IPv4 VIP", k.dir)),
                }
                references.push((front.to_owned(), k.path.clone(), "VIP held by keepalived", problems.len() == before));
            }
        }
    }
    let finding = if problems.is_empty() {
        out.add(Status::Pass, "front-endpoint", WHY_ENDPOINT, title, involved, front.to_owned())
    } else {
        out.add(Status::Fail, "front-endpoint", WHY_ENDPOINT, title, involved, problems.join("\n"))
    };
    for (from, to, kind, ok) in references {
        out.link_as(finding, &from, &to, kind, if ok { Status::Pass } else { Status::Fail });
    }
}

/// An LB host's own address: from the spec, or `readonly LB_IP=` in its install-lb.sh.
fn lb_host_ip(files: &BundleFiles, dir: &str, ctx: &CheckContext) -> Option<IpAddr> {
    let name = dir.rsplit('/').next().unwrap_or(dir);
    ctx.expected_ips.get(name).copied().or_else(|| {
        files
            .text(&format!("{dir}/{}", layout::INSTALL_LB))?
            .lines()
            .find_map(|l| l.strip_prefix(&format!("readonly {}=", layout::LB_IP_VARIABLE))?.trim().parse().ok())
    })
}

fn check_ports(files: &BundleFiles, proxies: &[HaproxyFile], vrrp: &[KeepalivedFile], ctx: &CheckContext, out: &mut Findings) {
    let lb_proxies: Vec<&HaproxyFile> = proxies.iter().filter(|p| p.dir.starts_with(&format!("{}/", layout::LB_HOSTS))).collect();
    if lb_proxies.is_empty() {
        return;
    }
    let vip = vip_address(vrrp);
    for proxy in lb_proxies {
        let title = format!("{}: HAProxy's port is its own, and the VIP can land here", proxy.dir);
        let mut files_involved = vec![proxy.path.clone()];
        let Some(own) = lb_host_ip(files, &proxy.dir, ctx) else {
            out.add(Status::Warn, "front-ports", WHY_PORTS, title, files_involved, "this host's address is unknown (no spec, no install-lb.sh)".into());
            continue;
        };
        let mut problems = Vec::new();
        if let Some((_, port)) = &proxy.bind {
            for (name, address, _) in &proxy.servers {
                if split_address(address).is_some_and(|(ip, p)| ip.parse::<IpAddr>().ok() == Some(own) && p == *port) {
                    problems.push(format!("API server {name} listens on {address}, this host's own address and HAProxy's port"));
                }
            }
        }
        if let Some((vip, prefix)) = vip {
            files_involved.extend(vrrp.iter().filter(|k| k.dir == proxy.dir).map(|k| k.path.clone()));
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0);
            match own {
                IpAddr::V4(own) if own == vip => problems.push(format!("the VIP {vip} is this host's own address")),
                IpAddr::V4(own) if u32::from(own) & mask != u32::from(vip) & mask => {
                    problems.push(format!("this host ({own}) is not on the VIP's network {vip}/{prefix}"));
                }
                IpAddr::V6(own) => problems.push(format!("this host's address {own} is IPv6; the VIP {vip} is IPv4")),
                IpAddr::V4(_) => {}
            }
        }
        if problems.is_empty() {
            out.add(Status::Pass, "front-ports", WHY_PORTS, title, files_involved, format!("{own}"));
        } else {
            out.add(Status::Fail, "front-ports", WHY_PORTS, title, files_involved, problems.join("\n"));
        }
    }
}

const WHY_APISERVER_CERT: &str = "kubelets, kube-proxy and kubectl check the API server's certificate against the name they dial: through the front that is the front's name, which every API server's certificate must carry";

/// Whether a certificate's DNS name (perhaps `*.example.com`) covers `host`.
fn dns_covers(san: &str, host: &str) -> bool {
    let (san, host) = (san.to_ascii_lowercase(), host.to_ascii_lowercase());
    match san.strip_prefix("*.") {
        Some(parent) => host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
        None => san == host,
    }
}

/// An API server's serving certificate (kubeadm's `apiserver.crt`) against the bundle: it is a
/// TLS server certificate of the bundle's CA, valid now, and carries every host the bundle's
/// kubeconfigs and commands name (the front's VIP or DNS name, or 127.0.0.1 for a local proxy).
pub(super) fn apiserver_certificate(files: &BundleFiles, certificate_pem: &str, label: &str, ctx: &CheckContext, out: &mut Findings) {
    let label = label.to_owned();
    let cert = match super::x509::certificate(certificate_pem) {
        Ok(cert) => cert,
        Err(e) => {
            out.add(Status::Fail, "apiserver-cert", WHY_APISERVER_CERT, "The API server certificate can be read".into(), vec![label], e);
            return;
        }
    };
    let title = "The API server certificate is a TLS server certificate of the cluster CA, valid now".to_owned();
    let mut problems = Vec::new();
    if !cert.server_auth {
        problems.push("its extended key usage lacks serverAuth".to_owned());
    }
    if cert.is_ca {
        problems.push("it is a CA certificate (CA:TRUE), not a server's".to_owned());
    }
    if ctx.now < cert.not_before || ctx.now > cert.not_after {
        problems.push(format!("it is valid {} to {}", crate::pki::format_unix(cert.not_before), crate::pki::format_unix(cert.not_after)));
    }
    let ca_path = layout::ca_cert_path();
    match files.text(&ca_path).map(super::x509::certificate) {
        Some(Ok(ca)) => {
            if let Err(e) = super::x509::signed_by(&cert, &ca) {
                problems.push(format!("{e}: nodes that trust {ca_path} would refuse it"));
            }
        }
        Some(Err(e)) => problems.push(format!("{ca_path} {e}")),
        None => problems.push(format!("the bundle has no {ca_path} to check it against")),
    }
    let files_involved = vec![label.clone(), ca_path];
    if problems.is_empty() {
        out.add(Status::Pass, "apiserver-cert", WHY_APISERVER_CERT, title, files_involved, cert.common_name.clone().map(|cn| format!("CN={cn}")).unwrap_or_default());
    } else {
        out.add(Status::Fail, "apiserver-cert", WHY_APISERVER_CERT, title, files_involved, problems.join("\n"));
    }

    let named = named_servers(files);
    let mut hosts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, servers) in &named {
        for (host, _) in servers.iter().filter_map(|(s, _)| url_host_port(s)) {
            hosts.entry(host).or_default().push(path.clone());
        }
    }
    for (host, paths) in hosts {
        let title = format!("The API server certificate carries {host}, which the nodes and kubectl dial");
        let carried = match host.parse::<IpAddr>() {
            Ok(ip) => cert.ip_sans.contains(&ip),
            Err(_) => cert.dns_sans.iter().any(|san| dns_covers(san, &host)),
        };
        let mut involved = vec![label.clone()];
        involved.extend(paths.into_iter().take(3));
        if carried {
            out.add(Status::Pass, "apiserver-cert", WHY_APISERVER_CERT, title, involved, String::new());
        } else {
            let sans: Vec<String> = cert.dns_sans.iter().map(|d| format!("DNS:{d}")).chain(cert.ip_sans.iter().map(|ip| format!("IP:{ip}"))).collect();
            out.add(Status::Fail, "apiserver-cert", WHY_APISERVER_CERT, title, involved,
                format!("its names are {}; add {host} (kubeadm: apiServer.certSANs) and renew it", if sans.is_empty() { "none".to_owned() } else { sans.join(", ") }));
        }
    }
}
