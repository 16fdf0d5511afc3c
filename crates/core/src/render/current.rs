//! The current profile's machines: each worker's kubelet, kube-proxy and certificates, the
//! workstation's kubectl credentials, and the cluster add-ons.

use super::{
    addon_artifacts, addons, artifact, coredns, install_script, kube_proxy, kubeconfig, kubelet, kubelet_config, loose,
    node_commands, rbac, workstation_files, RenderError,
};
use crate::bundle::{layout, Artifact, ArtifactKind, Location, Machine};
use crate::pki::Credentials;
use crate::plan::{CurrentLayout, CurrentWorker, Plan};
use crate::profile::history::Topic;
use crate::spec::{Current, NodePath, ProxyDelivery};
use crate::yaml;

pub(super) fn machines(
    plan: &Plan,
    current: &Current,
    layout: &CurrentLayout,
    workers: &[CurrentWorker],
    credentials: &Credentials,
    ca_pem: &str,
    artifacts: &mut Vec<Artifact>,
) -> Result<(), RenderError> {
    let spec = plan.spec;
    let node = &plan.node;
    let kubelet_config = yaml::to_string(&kubelet_config::kubelet_config(plan, current, layout))?;
    let proxy_kubeconfig = yaml::to_string(&kube_proxy::kube_proxy_kubeconfig(plan, current, layout))?;
    let proxy_pod = yaml::to_string(&kube_proxy::kube_proxy_static_pod(plan, layout))?;
    let mut worker_files = Vec::new();
    for worker in workers {
        let name = worker.node.name;
        let machine = Machine::Worker(name.clone());
        let at = |path: &NodePath| Location::Node(path.clone());
        let client = credentials.leaf(&worker.client)?;
        let serving = credentials.leaf(&worker.serving)?;
        let mut files = vec![
            artifact(&machine, at(&node.ca_cert), ArtifactKind::Certificate,
                "The cluster CA: the kubelet trusts the API server and authenticates clients (clientCAFile) with it", ca_pem.to_owned()),
            artifact(&machine, at(&layout.client.key), ArtifactKind::PrivateKey,
                "The kubelet's client key, named in its kubeconfig", client.key.to_pem()).about(Topic::NodeIdentity),
            artifact(&machine, at(&layout.client.cert), ArtifactKind::Certificate,
                &format!("{}, clientAuth: the Node authorizer lets this kubelet touch only its own Node and pods", worker.client.subject()),
                client.certificate_pem.clone()).about(Topic::NodeIdentity),
            artifact(&machine, at(&layout.serving.key), ArtifactKind::PrivateKey,
                "The kubelet's serving key (tlsPrivateKeyFile)", serving.key.to_pem()).about(Topic::ServingCertificate),
            artifact(&machine, at(&layout.serving.cert), ArtifactKind::Certificate,
                &format!("The kubelet's HTTPS certificate (tlsCertFile): serverAuth for DNS:{} and IP:{}", name, worker.node.ip),
                serving.certificate_pem.clone()).about(Topic::ServingCertificate),
            artifact(&machine, at(&node.kubeconfig), ArtifactKind::Kubeconfig,
                &format!("The kubelet's kubeconfig: the API server at {} as {}", spec.cluster.api_server, worker.client.common_name),
                yaml::to_string(&kubeconfig::kubelet_kubeconfig(plan, layout, worker))?).about(Topic::Kubeconfig),
            artifact(&machine, at(&layout.kubelet_config), ArtifactKind::ComponentConfig,
                "The KubeletConfiguration: webhook authn/authz, cluster DNS, static pods, TLS, containerd, systemd cgroups",
                kubelet_config.clone()).about(Topic::KubeletConfig),
            artifact(&machine, at(&node.kubelet_unit), ArtifactKind::SystemdUnit,
                "systemd runs the kubelet with --config and --kubeconfig, plus the node name and IP the certificates carry",
                kubelet::current_unit(layout, node, worker.node)).about(Topic::KubeletUnit),
        ];
        if let Some(planned) = &worker.proxy {
            let proxy = credentials.leaf(planned)?;
            files.push(artifact(&machine, at(&layout.proxy.key), ArtifactKind::PrivateKey,
                "kube-proxy's client key", proxy.key.to_pem()).about(Topic::KubeProxy));
            files.push(artifact(&machine, at(&layout.proxy.cert), ArtifactKind::Certificate,
                &format!("{}, clientAuth: bound to system:node-proxier by the built-in RBAC policy", planned.subject()),
                proxy.certificate_pem.clone()).about(Topic::KubeProxy));
            files.push(artifact(&machine, at(&layout.proxy_kubeconfig), ArtifactKind::Kubeconfig,
                "kube-proxy's kubeconfig: its own certificate, not the kubelet's", proxy_kubeconfig.clone()).about(Topic::KubeProxy));
            files.push(artifact(&machine, at(&layout.proxy_config), ArtifactKind::ComponentConfig,
                &format!("The KubeProxyConfiguration: mode {}, clusterCIDR {}, this node's name", spec.kube_proxy.mode.as_str(), current.pod_cidr),
                yaml::to_string(&kube_proxy::kube_proxy_config(plan, current, layout, Some(worker.node)))?).about(Topic::KubeProxy));
            files.push(artifact(&machine, at(&node.kube_proxy_manifest), ArtifactKind::StaticPod,
                "A static pod: the kubelet runs kube-proxy from its manifest directory", proxy_pod.clone()).about(Topic::KubeProxy));
        }
        let key_material: Vec<&NodePath> = worker.leaves_with_files(layout).into_iter().flat_map(|(_, f)| [&f.key, &f.cert]).collect();
        let install = install_script::render(plan, worker.node, &key_material, &files);
        worker_files.extend(files);
        worker_files.push(artifact(&machine, loose(layout::INSTALL), ArtifactKind::Script,
            "Run as root on this worker: checks containerd and the host, writes every file above, then starts the kubelet", install)
            .about(Topic::Runtime));
        worker_files.push(artifact(&machine, loose(layout::KEYS_ON_NODE), ArtifactKind::Script,
            "Alternative: make this node's keys and CSRs on the node itself; the CA host signs them with sign-<name>.sh",
            node_commands::current_keys_on_node(layout, worker)));
        artifacts.push(artifact(&Machine::CaHost, loose(&layout::sign_worker(name.as_str())), ArtifactKind::Script,
            &format!("Signs {name}'s CSRs on the CA host, each with its role's extensions (the keys-on-node path)"),
            node_commands::current_sign_worker(layout, worker)));
    }
    artifacts.extend(worker_files);

    artifacts.extend(workstation_files(plan, credentials, ca_pem, false,
        "Installs the files above into ~/.kube and points kubectl at the cluster", Some(Topic::Admin))?);

    let mut addons = rbac::cluster_rbac(current);
    if current.proxy_delivery == ProxyDelivery::DaemonSet {
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
