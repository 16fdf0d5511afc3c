//! The current profile's machines: each worker's kubelet, kube-proxy and certificates, the
//! workstation's kubectl credentials, and the cluster add-ons.

use super::{addon_artifacts, addons, artifact, coredns, install_script, kube_proxy, kubeconfig, kubelet, kubelet_config, loose, node_commands, rbac, workstation_files};
use crate::bundle::{layout, Artifact, ArtifactKind, Location, Machine};
use crate::identity::{node_user, KUBE_PROXY_USER};
use crate::pki::Credentials;
use crate::plan::Plan;
use crate::spec::{Current, NodePath, ProxyDelivery};
use crate::yaml::{self, YamlError};

pub(super) fn machines(
    plan: &Plan,
    current: &Current,
    credentials: &Credentials,
    ca_pem: &str,
    artifacts: &mut Vec<Artifact>,
) -> Result<(), YamlError> {
    let spec = plan.spec;
    let node = &plan.node;
    // Plan::new makes the layout whenever the target is current.
    let Some(layout) = &plan.current else { return Ok(()) };
    let kubelet_config = yaml::to_string(&kubelet_config::kubelet_config(plan, current, layout))?;
    let static_pod = current.proxy_delivery == ProxyDelivery::StaticPod;
    let proxy_pod = static_pod.then(|| yaml::to_string(&kube_proxy::kube_proxy_static_pod(plan, layout))).transpose()?;
    let proxy_kubeconfig = yaml::to_string(&kube_proxy::kube_proxy_kubeconfig(plan, current, layout))?;
    let mut workers = Vec::new();
    for (worker, creds) in plan.workers().zip(&credentials.workers) {
        let machine = Machine::Worker(worker.name.clone());
        let at = |path: &NodePath| Location::Node(path.clone());
        let user = node_user(worker.name.as_str());
        let mut files = vec![
            artifact(&machine, at(&node.ca_cert), ArtifactKind::Certificate,
                "The cluster CA: the kubelet trusts the API server and authenticates clients (clientCAFile) with it", ca_pem.to_owned()),
            artifact(&machine, at(&layout.client_key), ArtifactKind::PrivateKey,
                "The kubelet's client key, named in its kubeconfig", creds.kubelet.key.to_pem()),
            artifact(&machine, at(&layout.client_cert), ArtifactKind::Certificate,
                &format!("CN={user}, O=system:nodes, clientAuth: the Node authorizer lets this kubelet touch only its own Node and pods"),
                creds.kubelet.certificate_pem.clone()),
        ];
        if let Some(serving) = &creds.serving {
            files.push(artifact(&machine, at(&layout.serving_key), ArtifactKind::PrivateKey,
                "The kubelet's serving key (tlsPrivateKeyFile)", serving.key.to_pem()));
            files.push(artifact(&machine, at(&layout.serving_cert), ArtifactKind::Certificate,
                &format!("The kubelet's HTTPS certificate (tlsCertFile): serverAuth for DNS:{} and IP:{}", worker.name, worker.ip),
                serving.certificate_pem.clone()));
        }
        files.push(artifact(&machine, at(&node.kubeconfig), ArtifactKind::Kubeconfig,
            &format!("The kubelet's kubeconfig: the API server at {} as {user}", spec.cluster.api_server),
            yaml::to_string(&kubeconfig::kubelet_kubeconfig(plan, layout, worker))?));
        files.push(artifact(&machine, at(&layout.kubelet_config), ArtifactKind::ComponentConfig,
            "The KubeletConfiguration: webhook authn/authz, cluster DNS, static pods, TLS, containerd, systemd cgroups", kubelet_config.clone()));
        files.push(artifact(&machine, at(&node.kubelet_unit), ArtifactKind::SystemdUnit,
            "systemd runs the kubelet with --config and --kubeconfig, plus the node name and IP the certificates carry",
            kubelet::current_unit(layout, node, worker)));
        if let (Some(proxy), Some(pod)) = (&creds.proxy, &proxy_pod) {
            files.push(artifact(&machine, at(&layout.proxy_key), ArtifactKind::PrivateKey,
                "kube-proxy's client key", proxy.key.to_pem()));
            files.push(artifact(&machine, at(&layout.proxy_cert), ArtifactKind::Certificate,
                &format!("CN={KUBE_PROXY_USER}, clientAuth: bound to system:node-proxier by the built-in RBAC policy"),
                proxy.certificate_pem.clone()));
            files.push(artifact(&machine, at(&layout.proxy_kubeconfig), ArtifactKind::Kubeconfig,
                "kube-proxy's kubeconfig: its own certificate, not the kubelet's", proxy_kubeconfig.clone()));
            files.push(artifact(&machine, at(&layout.proxy_config), ArtifactKind::ComponentConfig,
                &format!("The KubeProxyConfiguration: mode {}, clusterCIDR {}, this node's name", spec.kube_proxy.mode.as_str(), current.pod_cidr),
                yaml::to_string(&kube_proxy::kube_proxy_config(plan, current, layout, Some(worker)))?));
            files.push(artifact(&machine, at(&node.kube_proxy_manifest), ArtifactKind::StaticPod,
                "A static pod: the kubelet runs kube-proxy from its manifest directory", pod.clone()));
        }
        let install = install_script::render(plan, worker, &files);
        workers.extend(files);
        workers.push(artifact(&machine, loose(layout::INSTALL), ArtifactKind::Script,
            "Run as root on this worker: checks containerd and the host, writes every file above, then starts the kubelet", install));
        workers.push(artifact(&machine, loose(layout::KEYS_ON_NODE), ArtifactKind::Script,
            "Alternative: make this node's keys and CSRs on the node itself; the CA host signs them with sign-<name>.sh",
            node_commands::current_keys_on_node(plan, layout, worker)));
        artifacts.push(artifact(&Machine::CaHost, loose(&layout::sign_worker(worker.name.as_str())), ArtifactKind::Script,
            &format!("Signs {}'s CSRs on the CA host, each with its role's extensions (the keys-on-node path)", worker.name),
            node_commands::current_sign_worker(plan, layout, worker)));
    }
    artifacts.extend(workers);

    let admin = format!("CN={}, O={}", spec.kubectl.admin_common_name, current.admin_group.as_str());
    artifacts.extend(workstation_files(plan, credentials, ca_pem, &admin, false,
        "Installs the files above into ~/.kube and points kubectl at the cluster"));

    let mut addons = rbac::cluster_rbac(current);
    if !static_pod {
        addons.extend(kube_proxy::kube_proxy_daemonset(plan, current, layout)?);
    }
    addons.extend(coredns::dns_addon(plan, current));
    let manifests = addon_artifacts(addons)?;
    let apply = addons::apply_script(&manifests);
    artifacts.extend(manifests);
    artifacts.push(artifact(&Machine::ClusterAddons, loose(layout::APPLY_ADDONS), ArtifactKind::Script,
        "Applies the RBAC, kube-proxy (as a DaemonSet, if chosen) and CoreDNS with kubectl from the workstation", apply));
    Ok(())
}
