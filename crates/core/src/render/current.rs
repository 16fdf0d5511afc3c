//! The current profile's machines: each worker's kubelet, kube-proxy and certificates, the
//! workstation's kubectl credentials, and the cluster add-ons.

use super::{
    addon_artifacts, addons, artifact, bootstrap, coredns, install_script, kube_proxy, kubeconfig, kubelet, kubelet_config,
    loose, node_commands, rbac, workstation_files, RenderError,
};
use crate::bundle::{layout, Artifact, ArtifactKind, Location, Machine};
use crate::pki::Credentials;
use crate::plan::{CurrentLayout, CurrentWorker, NodeJoin, NodeLeaves, Plan, WorkerRef};
use crate::profile::history::Topic;
use crate::spec::{Current, Join, NodePath, ProxyDelivery};
use crate::yaml;

#[allow(clippy::too_many_arguments)]
pub(super) fn machines(
    plan: &Plan,
    current: &Current,
    now: i64,
    layout: &CurrentLayout,
    workers: &[CurrentWorker],
    credentials: &Credentials,
    ca_pem: &str,
    artifacts: &mut Vec<Artifact>,
) -> Result<(), RenderError> {
    let node = &plan.node;
    let kubelet_config = yaml::to_string(&kubelet_config::kubelet_config(plan, current, layout))?;
    let proxy_kubeconfig = yaml::to_string(&kube_proxy::kube_proxy_kubeconfig(plan, current, layout))?;
    let proxy_pod = yaml::to_string(&kube_proxy::kube_proxy_static_pod(plan, layout))?;
    let mut worker_files = Vec::new();
    for worker in workers {
        let name = worker.node.name;
        let machine = Machine::Worker(name.clone());
        let at = |path: &NodePath| Location::Node(path.clone());
        let mut files = vec![artifact(&machine, at(&node.ca_cert), ArtifactKind::Certificate,
            "The cluster CA: the kubelet trusts the API server and authenticates clients (clientCAFile) with it", ca_pem.to_owned())];
        match &worker.join {
            NodeJoin::Certificates(leaves) => files.extend(kubelet_files(plan, layout, worker.node, leaves, credentials)?),
            NodeJoin::BootstrapToken => {
                files.push(artifact(&machine, at(&layout.bootstrap_kubeconfig), ArtifactKind::Kubeconfig,
                    &format!("The kubelet's bootstrap kubeconfig: the API server at {} and the bootstrap token it asks for its certificates with", plan.api_server()),
                    yaml::to_string(&kubeconfig::bootstrap_kubeconfig(plan, credentials.token()?))?).about(Topic::NodeIdentity).secret());
            }
        }
        files.push(artifact(&machine, at(&layout.kubelet_config), ArtifactKind::ComponentConfig,
            "The KubeletConfiguration: webhook authn/authz, cluster DNS, static pods, TLS, containerd, systemd cgroups",
            kubelet_config.clone()).about(Topic::KubeletConfig));
        files.push(artifact(&machine, at(&node.kubelet_unit), ArtifactKind::SystemdUnit,
            "systemd runs the kubelet with --config and --kubeconfig, plus the node name and IP the certificates carry",
            kubelet::current_unit(plan, layout, &current.join, worker.node)).about(Topic::KubeletUnit));
        files.extend(super::front::local_proxy(plan, worker.node));
        if let NodeJoin::Certificates(NodeLeaves { proxy: Some(planned), .. }) = &worker.join {
            files.extend(proxy_files(plan, current, layout, worker.node, planned, credentials, &proxy_kubeconfig, &proxy_pod)?);
        }
        let key_material: Vec<&NodePath> = match &worker.join {
            NodeJoin::Certificates(leaves) => leaves.with_files(layout).into_iter().flat_map(|(_, f)| [&f.key, &f.cert]).collect(),
            NodeJoin::BootstrapToken => Vec::new(),
        };
        let install = install_script::render(plan, worker.node, &key_material, &files);
        worker_files.extend(files);
        worker_files.push(artifact(&machine, loose(layout::INSTALL), ArtifactKind::Script,
            "Run as root on this worker: checks containerd and the host, writes every file above, then starts the kubelet", install)
            .about(Topic::Runtime));
        if let NodeJoin::Certificates(leaves) = &worker.join {
            worker_files.push(artifact(&machine, loose(layout::KEYS_ON_NODE), ArtifactKind::Script,
                "Alternative: make this node's keys and CSRs on the node itself; the CA host signs them with sign-<name>.sh",
                node_commands::current_keys_on_node(layout, worker.node, leaves)));
            artifacts.push(artifact(&Machine::CaHost, loose(&layout::sign_worker(name.as_str())), ArtifactKind::Script,
                &format!("Signs {name}'s CSRs on the CA host, each with its role's extensions (the keys-on-node path)"),
                node_commands::current_sign_worker(layout, worker.node, leaves)));
        }
    }
    artifacts.extend(worker_files);

    if plan.admin.is_some() {
        artifacts.extend(workstation_files(plan, credentials, ca_pem, false,
            "Installs the files above into ~/.kube and points kubectl at the cluster", Some(Topic::Admin))?);
    }
    if let Join::BootstrapToken(_) = current.join {
        artifacts.push(artifact(&Machine::Workstation, loose(bootstrap::APPROVE_SCRIPT), ArtifactKind::Script,
            "Approves each worker's kubelet serving CSR, and only one asking for exactly that worker's name and IP",
            bootstrap::approve_serving_csrs(workers)).about(Topic::ServingCertificate));
    }

    let mut addons = Vec::new();
    if let Join::BootstrapToken(join) = &current.join {
        addons.extend(bootstrap::addons(join, credentials.token()?, now, workers.len()));
    }
    addons.extend(rbac::cluster_rbac(current, plan.admin.is_some()));
    if current.proxy_delivery == ProxyDelivery::DaemonSet {
        addons.extend(kube_proxy::kube_proxy_daemonset(plan, current, layout)?);
    }
    addons.extend(coredns::dns_addon(plan, current));
    let manifests = addon_artifacts(addons)?;
    let apply = addons::apply_script(&manifests, plan.admin.is_some());
    artifacts.extend(manifests);
    artifacts.push(artifact(&Machine::ClusterAddons, loose(layout::APPLY_ADDONS), ArtifactKind::Script,
        "Applies the RBAC, kube-proxy (as a DaemonSet, if chosen) and CoreDNS with kubectl from the workstation", apply));
    Ok(())
}

/// A certificates-method worker's kubelet credentials: its keys and certificates, and its kubeconfig.
fn kubelet_files(plan: &Plan, layout: &CurrentLayout, worker: WorkerRef, leaves: &NodeLeaves, credentials: &Credentials) -> Result<Vec<Artifact>, RenderError> {
    let machine = Machine::Worker(worker.name.clone());
    let at = |path: &NodePath| Location::Node(path.clone());
    let client = credentials.leaf(&leaves.client)?;
    let serving = credentials.leaf(&leaves.serving)?;
    Ok(vec![
        artifact(&machine, at(&layout.client.key), ArtifactKind::PrivateKey,
            "The kubelet's client key, named in its kubeconfig", client.key.to_pem()).about(Topic::NodeIdentity),
        artifact(&machine, at(&layout.client.cert), ArtifactKind::Certificate,
            &format!("{}, clientAuth: the Node authorizer lets this kubelet touch only its own Node and pods", leaves.client.subject()),
            client.certificate_pem.clone()).about(Topic::NodeIdentity),
        artifact(&machine, at(&layout.serving.key), ArtifactKind::PrivateKey,
            "The kubelet's serving key (tlsPrivateKeyFile)", serving.key.to_pem()).about(Topic::ServingCertificate),
        artifact(&machine, at(&layout.serving.cert), ArtifactKind::Certificate,
            &format!("The kubelet's HTTPS certificate (tlsCertFile): serverAuth for DNS:{} and IP:{}", worker.name, worker.ip),
            serving.certificate_pem.clone()).about(Topic::ServingCertificate),
        artifact(&machine, at(&plan.node.kubeconfig), ArtifactKind::Kubeconfig,
            &format!("The kubelet's kubeconfig: the API server at {} as {}", plan.api_server(), leaves.client.common_name),
            yaml::to_string(&kubeconfig::kubelet_kubeconfig(plan, layout, &leaves.client))?).about(Topic::Kubeconfig),
    ])
}

/// kube-proxy's files when it runs as a static pod: its credentials, kubeconfig, configuration and pod.
#[allow(clippy::too_many_arguments)]
fn proxy_files(
    plan: &Plan,
    current: &Current,
    layout: &CurrentLayout,
    worker: WorkerRef,
    planned: &crate::plan::LeafPlan,
    credentials: &Credentials,
    proxy_kubeconfig: &str,
    proxy_pod: &str,
) -> Result<Vec<Artifact>, RenderError> {
    let spec = plan.spec;
    let machine = Machine::Worker(worker.name.clone());
    let at = |path: &NodePath| Location::Node(path.clone());
    let proxy = credentials.leaf(planned)?;
    Ok(vec![
        artifact(&machine, at(&layout.proxy.key), ArtifactKind::PrivateKey,
            "kube-proxy's client key", proxy.key.to_pem()).about(Topic::KubeProxy),
        artifact(&machine, at(&layout.proxy.cert), ArtifactKind::Certificate,
            &format!("{}, clientAuth: bound to system:node-proxier by the built-in RBAC policy", planned.subject()),
            proxy.certificate_pem.clone()).about(Topic::KubeProxy),
        artifact(&machine, at(&layout.proxy_kubeconfig), ArtifactKind::Kubeconfig,
            "kube-proxy's kubeconfig: its own certificate, not the kubelet's", proxy_kubeconfig.to_owned()).about(Topic::KubeProxy),
        artifact(&machine, at(&layout.proxy_config), ArtifactKind::ComponentConfig,
            &format!("The KubeProxyConfiguration: mode {}, clusterCIDR {}, this node's name", spec.kube_proxy.mode.as_str(), current.pod_cidr),
            yaml::to_string(&kube_proxy::kube_proxy_config(plan, current, layout, Some(worker)))?).about(Topic::KubeProxy),
        artifact(&machine, at(&plan.node.kube_proxy_manifest), ArtifactKind::StaticPod,
            "A static pod: the kubelet runs kube-proxy from its manifest directory", proxy_pod.to_owned()).about(Topic::KubeProxy),
    ])
}
