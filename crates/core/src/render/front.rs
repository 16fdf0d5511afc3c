//! The API front's machines: each LB host's HAProxy, keepalived, check script and `install-lb.sh`
//! (static pods when the LB hosts are the control-plane nodes), each worker's local proxy, and
//! what the control plane needs to fit the front (kubeadm's settings, a certificate check).

use serde::Serialize;

use super::haproxy::{self, Bind, Haproxy, Runtime};
use super::install_script::WRITE_FILE;
use super::k8s::{host_path, mount, Capabilities, Container, HttpGet, Manifest, ObjectMeta, OrderedMap, Pod, PodSpec, Probe, SecurityContext};
use super::shell::Script;
use super::shell::Word::{Arg, Rooted, Sh};
use super::{artifact, keepalived, loose, RenderError};
use crate::bundle::{layout, Artifact, ArtifactKind, Location, Machine};
use crate::plan::front::STATS_PORT;
use crate::plan::{FrontPlan, LbHostPlan, Plan, VipPlan, WorkerRef};
use crate::profile::history::Topic;
use crate::profile::KUBE_SYSTEM;
use crate::spec::{ApiFront, NodePath, Target};
use crate::yaml;

/// The images of the static pods (kubeadm's HA guide runs the same two).
pub const HAPROXY_IMAGE: &str = "docker.io/library/haproxy:2.8";
pub const KEEPALIVED_IMAGE: &str = "docker.io/osixia/keepalived:2.0.20";
/// Where those images read their configuration.
const HAPROXY_IMAGE_CONFIG: &str = "/usr/local/etc/haproxy/haproxy.cfg";
const KEEPALIVED_IMAGE_CONFIG: &str = "/usr/local/etc/keepalived/keepalived.conf";

/// The LB hosts' and the control plane's files (nothing for an external front).
pub(super) fn machines(plan: &Plan, artifacts: &mut Vec<Artifact>) -> Result<(), RenderError> {
    if let FrontPlan::Vip(vip) = &plan.front {
        for host in &vip.hosts {
            artifacts.extend(lb_host(plan, vip, host)?);
        }
    }
    artifacts.extend(control_plane(plan)?);
    Ok(())
}

/// One LB host: its configuration files, static pods on the control plane, and `install-lb.sh`.
fn lb_host(plan: &Plan, vip: &VipPlan, host: &LbHostPlan) -> Result<Vec<Artifact>, RenderError> {
    let front = vip.front;
    let machine = Machine::LbHost(host.host.name.clone());
    let files = &plan.front_layout;
    let at = |path: &NodePath| Location::Node(path.clone());
    let runtime = if front.on_control_plane { Runtime::Container } else { Runtime::Package };
    let cfg = haproxy::render(&Haproxy {
        endpoint: plan.api_server(),
        host: &format!("LB host {}", host.host.name),
        runtime,
        bind: Bind::AllAddresses(front.port),
        backends: &front.backends,
        health_path: plan.health_path(),
    });
    let servers: Vec<String> = front.backends.api_servers.iter().map(|s| s.name.to_string()).collect();
    let mut out = vec![
        artifact(&machine, at(&files.haproxy_cfg), ArtifactKind::LoadBalancerConfig,
            &format!("HAProxy: TCP on port {} to every API server ({}), each checked with GET {} over TLS", front.port, servers.join(", "), plan.health_path()),
            cfg).about(Topic::ApiFront),
        artifact(&machine, at(&files.keepalived_conf), ArtifactKind::LoadBalancerConfig,
            &format!("keepalived: {} with priority {} in VRRP group {} for the VIP {}", host.state.as_str(), host.priority, front.virtual_router_id, front.vip),
            keepalived::config(vip, host, &files.check_script)).about(Topic::ApiFront),
        artifact(&machine, at(&files.check_script), ArtifactKind::Script,
            &format!("keepalived's check: HAProxy on this host must answer {} with a 2xx, or the VIP moves", plan.health_path()),
            keepalived::check_script(host, front.port, plan.health_path())).executable().about(Topic::ApiFront),
    ];
    if front.on_control_plane {
        out.push(artifact(&machine, at(&files.haproxy_pod), ArtifactKind::StaticPod,
            "HAProxy as a static pod: the kubelet runs it from its manifest directory, before the API server is up",
            yaml::to_string(&haproxy_pod(plan))?).about(Topic::ApiFront));
        out.push(artifact(&machine, at(&files.keepalived_pod), ArtifactKind::StaticPod,
            "keepalived as a static pod, on the host's network with the capabilities VRRP needs",
            yaml::to_string(&keepalived_pod(plan))?).about(Topic::ApiFront));
    }
    let install = install_lb(plan, vip, host, &out);
    out.push(artifact(&machine, loose(layout::INSTALL_LB), ArtifactKind::Script,
        &if front.on_control_plane {
            format!("Run as root on {}: writes the files above, checks them where haproxy and keepalived are installed, then places the static pods", host.host.name)
        } else {
            format!("Run as root on {}: installs haproxy and keepalived if missing, writes and checks the files above, then (re)starts both", host.host.name)
        },
        install).about(Topic::ApiFront));
    Ok(out)
}

/// `install-lb.sh`: installs what is missing, writes the check script, stages the two
/// configurations next to their targets, checks them (`haproxy -c`, `keepalived -t`) and only
/// then renames them into place and restarts, so a bad file never replaces a working one.
fn install_lb(plan: &Plan, vip: &VipPlan, host: &LbHostPlan, files: &[Artifact]) -> String {
    let front = vip.front;
    let name = host.host.name.as_str();
    let index = vip.hosts.iter().position(|h| h.host.name == host.host.name).unwrap_or(0);
    let title = format!("install-lb.sh for {name} ({}), generated by Worker Studio: one host of the API front {}.", host.host.ip, plan.api_server());
    let how = if front.on_control_plane {
        "Writes the files below, checks them with haproxy -c and keepalived -t where those are installed, then places the two static pods the kubelet runs."
    } else {
        "Installs Debian's haproxy, keepalived and curl where missing, writes the files below, checks them with haproxy -c and keepalived -t before they replace anything, then enables and restarts both."
    };
    let again = format!("Run as root on {name}. Running it again rewrites the same files and restarts what runs them.");
    let mut s = Script::new(&[&title, how, &again, "ROOT=/some/dir writes the files below that directory instead, and skips apt, the host checks and systemctl."]);
    s.command(&["readonly", &format!("{}={}", layout::LB_IP_VARIABLE, host.host.ip)]);
    s.command(&["readonly", &format!("LB_INTERFACE={}", host.host.interface)]);
    s.raw("ROOT=\"${ROOT:-}\"").blank();
    s.raw("if [ -z \"$ROOT\" ]; then").indent("  ");
    s.raw("if [ \"$(id -u)\" -ne 0 ]; then")
        .raw("  echo \"install-lb.sh: run this as root (sudo bash install-lb.sh)\" >&2")
        .raw("  exit 1")
        .raw("fi");
    if !front.on_control_plane {
        s.raw("if ! command -v systemctl > /dev/null 2>&1; then")
            .raw("  echo \"install-lb.sh: systemctl not found; this script sets up a systemd host\" >&2")
            .raw("  exit 1")
            .raw("fi")
            .raw("missing=()")
            .raw("for package in haproxy keepalived curl; do")
            .raw("  command -v \"$package\" > /dev/null 2>&1 || missing+=(\"$package\")")
            .raw("done")
            .raw("if [ \"${#missing[@]}\" -gt 0 ]; then")
            .raw("  echo \"install-lb.sh: installing ${missing[*]}\"")
            .raw("  apt-get update -q")
            .raw("  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \"${missing[@]}\"")
            .raw("fi");
    }
    let not_here = format!(
        "install-lb.sh: this host has no address {} on {}: is it {name}? (apiFront.lbHosts[{index}] names that address and interface)",
        host.host.ip, host.host.interface
    );
    s.raw("if ! ip -o addr show dev \"$LB_INTERFACE\" 2> /dev/null | grep -qF \" $LB_IP/\"; then");
    s.line(&[Sh("  echo"), Arg(&not_here), Sh(">&2")]);
    s.raw("  exit 1").raw("fi");
    s.indent("").raw("fi").blank();
    for line in WRITE_FILE {
        s.raw(line);
    }
    s.raw("}");
    let layout = &plan.front_layout;
    let staged = [&layout.haproxy_cfg, &layout.keepalived_conf];
    let pods = [&layout.haproxy_pod, &layout.keepalived_pod];
    for file in files.iter().filter(|f| !matches!(&f.location, Location::Node(p) if pods.contains(&p))) {
        let Location::Node(path) = &file.location else { continue };
        s.blank().comment(&format!("{path}: {}", file.note));
        let target = if staged.contains(&path) { format!("{path}{}", layout::STAGED_SUFFIX) } else { path.to_string() };
        s.line_with_input(&[Sh("write_file"), Arg(&target), Arg(&format!("{:04o}", file.mode))], &file.content);
    }
    let haproxy_new = format!("{}{}", layout.haproxy_cfg, layout::STAGED_SUFFIX);
    let keepalived_new = format!("{}{}", layout.keepalived_conf, layout::STAGED_SUFFIX);
    s.blank().comment("Both files are checked before they replace anything; a failed check stops here.");
    s.raw("if [ -z \"$ROOT\" ]; then").indent("  ");
    if front.on_control_plane {
        s.raw("if command -v haproxy > /dev/null 2>&1; then")
            .line(&[Sh("  haproxy -c -f"), Arg(&haproxy_new)])
            .raw("else")
            .raw("  echo \"install-lb.sh: haproxy is not installed here, so haproxy.cfg is checked when its static pod starts (apt install haproxy to check it now)\"")
            .raw("fi")
            .raw("if command -v keepalived > /dev/null 2>&1; then")
            .line(&[Sh("  keepalived -t -f"), Arg(&keepalived_new)])
            .raw("else")
            .raw("  echo \"install-lb.sh: keepalived is not installed here, so keepalived.conf is checked when its static pod starts (apt install keepalived to check it now)\"")
            .raw("fi");
    } else {
        s.line(&[Sh("haproxy -c -f"), Arg(&haproxy_new)]).line(&[Sh("keepalived -t -f"), Arg(&keepalived_new)]);
    }
    s.indent("").raw("fi");
    for path in staged {
        s.line(&[Sh("mv -f --"), Rooted(&format!("{path}{}", layout::STAGED_SUFFIX)), Rooted(path.as_str())]);
    }
    for file in files.iter().filter(|f| matches!(&f.location, Location::Node(p) if pods.contains(&p))) {
        let Location::Node(path) = &file.location else { continue };
        s.blank().comment(&format!("{path}: {}", file.note));
        s.line_with_input(&[Sh("write_file"), Arg(path.as_str()), Arg(&format!("{:04o}", file.mode))], &file.content);
    }
    s.blank().raw("if [ -z \"$ROOT\" ]; then").indent("  ");
    if front.on_control_plane {
        s.command(&["echo", &format!("{name}: the kubelet starts haproxy and keepalived from {}; watch them with: crictl ps --name 'haproxy|keepalived'", plan.node.manifests_dir)]);
    } else {
        s.command(&["systemctl", "enable", "haproxy", "keepalived"])
            .command(&["systemctl", "restart", "haproxy", "keepalived"])
            .command(&["echo", &format!("{name}: haproxy and keepalived enabled and (re)started; see which host holds {} with: ip -o addr show dev {}", front.vip, host.host.interface)]);
    }
    s.indent("").raw("else").indent("  ");
    s.line(&[Sh("echo"), Arg(&format!("{name}: files written below")), Sh("\"$ROOT\"")]);
    s.indent("").raw("fi");
    s.finish()
}

/// HAProxy as a static pod on a control-plane node.
fn haproxy_pod(plan: &Plan) -> Manifest {
    let cfg = plan.front_layout.haproxy_cfg.as_str();
    static_pod(
        "haproxy",
        Container {
            name: "haproxy".into(),
            image: HAPROXY_IMAGE.into(),
            // Alive is HAProxy answering its own statistics page; the API servers' readiness is
            // the backend's business, not a reason to restart the proxy.
            liveness_probe: Some(Probe {
                http_get: HttpGet { host: Some("127.0.0.1"), path: "/stats", port: STATS_PORT, scheme: "HTTP" },
                initial_delay_seconds: Some(5),
                timeout_seconds: Some(3),
                success_threshold: None,
                failure_threshold: Some(8),
            }),
            volume_mounts: vec![mount("haproxy-cfg", HAPROXY_IMAGE_CONFIG, true)],
            ..Container::default()
        },
        vec![host_path("haproxy-cfg", cfg, Some("File"))],
    )
}

/// keepalived as a static pod: the host's network, and the capabilities VRRP and the VIP need.
fn keepalived_pod(plan: &Plan) -> Manifest {
    let layout = &plan.front_layout;
    static_pod(
        "keepalived",
        Container {
            name: "keepalived".into(),
            image: KEEPALIVED_IMAGE.into(),
            security_context: Some(SecurityContext {
                capabilities: Some(Capabilities { add: vec!["NET_ADMIN", "NET_BROADCAST", "NET_RAW"], drop: Vec::new() }),
                ..SecurityContext::default()
            }),
            volume_mounts: vec![
                mount("keepalived-conf", KEEPALIVED_IMAGE_CONFIG, true),
                mount("check-apiserver", layout.check_script.as_str(), true),
            ],
            ..Container::default()
        },
        vec![
            host_path("keepalived-conf", layout.keepalived_conf.as_str(), Some("File")),
            host_path("check-apiserver", layout.check_script.as_str(), Some("File")),
        ],
    )
}

fn static_pod(name: &str, container: Container, volumes: Vec<super::k8s::Volume>) -> Manifest {
    Manifest::Pod(Pod {
        api_version: "v1",
        kind: "Pod",
        metadata: ObjectMeta { name: name.into(), namespace: Some(KUBE_SYSTEM.into()), labels: OrderedMap::of([("component", name)]) },
        spec: PodSpec {
            priority_class_name: Some("system-node-critical"),
            host_network: Some(true),
            containers: vec![container],
            volumes,
            ..PodSpec::default()
        },
    })
}

/// A worker's own HAProxy on 127.0.0.1 (a local-proxy front), or `None`.
pub(super) fn local_proxy(plan: &Plan, worker: WorkerRef) -> Option<Artifact> {
    let FrontPlan::LocalProxy(local) = &plan.front else { return None };
    let cfg = haproxy::render(&Haproxy {
        endpoint: plan.api_server(),
        host: &format!("worker {}", worker.name),
        runtime: Runtime::Package,
        bind: Bind::Loopback(local.port),
        backends: &local.backends,
        health_path: plan.health_path(),
    });
    let servers: Vec<String> = local.backends.api_servers.iter().map(|s| s.name.to_string()).collect();
    Some(
        artifact(&Machine::Worker(worker.name.clone()), Location::Node(plan.front_layout.haproxy_cfg.clone()), ArtifactKind::LoadBalancerConfig,
            &format!("This worker's own HAProxy on 127.0.0.1:{} to every API server ({}); the kubelet and kube-proxy use it", local.port, servers.join(", ")),
            cfg)
        .about(Topic::ApiFront),
    )
}

/// kubeadm's `ClusterConfiguration`, as far as the front concerns it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterConfiguration {
    api_version: &'static str,
    kind: &'static str,
    kubernetes_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    control_plane_endpoint: Option<String>,
    networking: Networking,
    api_server: ApiServerSettings,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Networking {
    service_subnet: String,
    pod_subnet: String,
    dns_domain: String,
}

#[derive(Serialize)]
struct ApiServerSettings {
    #[serde(rename = "certSANs")]
    cert_sans: Vec<String>,
}

/// The names the API servers' serving certificate must carry for the front: what the workers'
/// kubeconfigs name (the VIP or its DNS name, or 127.0.0.1 for a local proxy), and the VIP too.
pub fn front_names(plan: &Plan) -> Vec<String> {
    match &plan.spec.api_front {
        ApiFront::External => Vec::new(),
        ApiFront::Vip(vip) => std::iter::once(vip.vip.to_string()).chain(vip.dns_name.as_ref().map(ToString::to_string)).collect(),
        ApiFront::LocalProxy(_) => vec!["127.0.0.1".into(), "localhost".into()],
    }
}

/// The control plane's files: kubeadm's settings (today's profile) and a check of a serving
/// certificate, for any front the studio writes.
fn control_plane(plan: &Plan) -> Result<Vec<Artifact>, RenderError> {
    let names = front_names(plan);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let spec = plan.spec;
    let machine = Machine::ControlPlane;
    let mut out = Vec::new();
    if let Target::Current(current) = &spec.target {
        let endpoint = match &spec.api_front {
            ApiFront::Vip(vip) => {
                let host = vip.dns_name.as_ref().map_or_else(|| vip.vip.to_string(), ToString::to_string);
                Some(format!("{host}:{}", vip.port))
            }
            _ => None,
        };
        let config = ClusterConfiguration {
            api_version: "kubeadm.k8s.io/v1beta4",
            kind: "ClusterConfiguration",
            // kubeadm takes a release (v1.37.2) or, for a minor alone, its newest patch.
            kubernetes_version: match current.version.patch {
                Some(_) => format!("v{}", current.version),
                None => format!("stable-{}", current.version.minor),
            },
            control_plane_endpoint: endpoint,
            networking: Networking {
                service_subnet: spec.cluster.service_cidr.to_string(),
                pod_subnet: current.pod_cidr.to_string(),
                dns_domain: spec.cluster.domain.to_string(),
            },
            api_server: ApiServerSettings { cert_sans: names.clone() },
        };
        let header = match &spec.api_front {
            ApiFront::LocalProxy(_) => "# kubeadm's ClusterConfiguration for a cluster whose workers each reach the API servers\n\
                # through their own HAProxy on 127.0.0.1: the serving certificate must carry that address.\n\
                # Give it to kubeadm init --config (merged with your own settings) on the first control-plane node.\n",
            _ => "# kubeadm's ClusterConfiguration for the API front: every node and kubectl reach the API\n\
                # servers at controlPlaneEndpoint, and the serving certificate carries its names.\n\
                # Give it to kubeadm init --config (merged with your own settings) on the first control-plane node.\n",
        };
        out.push(artifact(&machine, loose(layout::KUBEADM_CONFIG), ArtifactKind::KubeadmConfig,
            &format!("kubeadm init --config: controlPlaneEndpoint and the serving certificate's extra names ({})", names.join(", ")),
            format!("{header}{}", yaml::to_string(&config)?)).about(Topic::ApiFront));
    }
    out.push(artifact(&machine, loose(layout::CHECK_APISERVER_CERT), ArtifactKind::Script,
        "Run on each control-plane node: says whether its API server's certificate carries every name the front needs",
        check_apiserver_cert(plan, &names)).about(Topic::ApiFront));
    Ok(out)
}

/// `check-apiserver-cert.sh [CERT]`: every front name among the certificate's SANs, or which not.
fn check_apiserver_cert(plan: &Plan, names: &[String]) -> String {
    let title = format!("check-apiserver-cert.sh, generated by Worker Studio: workers reach the API servers at {}.", plan.api_server());
    let mut s = Script::new(&[
        &title,
        "Checks that an API server's serving certificate carries every name the front needs (kubeadm: apiServer.certSANs).",
        "Usage: bash check-apiserver-cert.sh [/etc/kubernetes/pki/apiserver.crt]",
    ]);
    s.raw("cert=\"${1:-/etc/kubernetes/pki/apiserver.crt}\"")
        .raw("sans=$(openssl x509 -in \"$cert\" -noout -ext subjectAltName | tail -n +2 | tr ',' '\\n' | sed 's/^ *//')")
        .raw("missing=0");
    for name in names {
        let want = if name.parse::<std::net::IpAddr>().is_ok() { format!("IP Address:{name}") } else { format!("DNS:{name}") };
        s.line(&[Sh("if printf '%s\\n' \"$sans\" | grep -qxF"), Arg(&want), Sh("; then")])
            .line(&[Sh("  echo"), Arg(&format!("ok       {want}"))])
            .raw("else")
            .line(&[Sh("  echo"), Arg(&format!("MISSING  {want}"))])
            .raw("  missing=1")
            .raw("fi");
    }
    s.raw("if [ \"$missing\" -ne 0 ]; then")
        .raw("  echo \"$cert lacks names the front needs: add them to apiServer.certSANs (kubeadm-config.yaml) and renew it (kubeadm init phase certs apiserver)\" >&2")
        .raw("  exit 1")
        .raw("fi")
        .raw("echo \"$cert carries every name the front needs\"");
    s.finish()
}
