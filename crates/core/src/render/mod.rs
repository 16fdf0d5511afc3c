//! Artifacts: typed documents rendered to text, one module per kind, assembled into a bundle.

pub mod addons;
pub mod component_config;
pub mod coredns;
mod current;
pub mod install_script;
pub mod k8s;
pub mod kube_proxy;
pub mod kubeconfig;
pub mod kubectl;
pub mod kubelet;
pub mod kubelet_config;
pub mod node_commands;
pub mod openssl_cnf;
pub mod rbac;
pub mod readme;
pub mod shell;
pub mod skydns;
pub mod systemd;

use crate::bundle::{layout, Artifact, ArtifactKind, Bundle, Location, Machine};
use crate::pki::{format_unix, Credentials};
use crate::plan::{names, Plan};
use addons::AddonManifest;
use crate::spec::{CaSpec, Guide, Target};
use crate::yaml::{self, YamlError};

/// Options that are not part of the cluster spec.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    /// Generation time, unix seconds (stamps README and zip entries).
    pub now: i64,
    /// Put a generated CA's key in the bundle (on the CA host only).
    pub include_ca_key: bool,
}

fn artifact(machine: &Machine, location: Location, kind: ArtifactKind, note: &str, content: String) -> Artifact {
    Artifact { machine: machine.clone(), location, mode: Artifact::mode_for(kind), kind, note: note.to_owned(), content }
}

fn loose(name: &str) -> Location {
    Location::Loose(name.to_owned())
}

/// Renders every artifact of the plan with the issued credentials.
pub fn build(plan: &Plan, credentials: &Credentials, options: RenderOptions) -> Result<Bundle, YamlError> {
    let spec = plan.spec;
    let ca_pem = credentials.ca.certificate_pem().to_owned();
    let mut artifacts = Vec::new();

    let ca_host = Machine::CaHost;
    let ca_key_included = options.include_ca_key && matches!(spec.ca, CaSpec::Generate { .. });
    artifacts.push(artifact(
        &ca_host,
        Location::Home(names::CA_CERT.into()),
        ArtifactKind::Certificate,
        "The cluster CA certificate; every certificate in this bundle chains to it",
        ca_pem.clone(),
    ));
    if ca_key_included {
        artifacts.push(artifact(
            &ca_host,
            Location::Home(names::CA_KEY.into()),
            ArtifactKind::PrivateKey,
            "The CA private key: signs new certificates; stays on the CA host, never on a worker",
            credentials.ca.key().to_pem(),
        ));
    }
    match &spec.target {
        Target::Guide2016(guide) => guide_machines(plan, guide, credentials, &ca_pem, &mut artifacts)?,
        Target::Current(current) => current::machines(plan, current, credentials, &ca_pem, &mut artifacts)?,
    }

    let readme = readme::render(plan, &artifacts, &format_unix(options.now), ca_key_included);
    artifacts.insert(0, artifact(&Machine::Bundle, loose(layout::README), ArtifactKind::Readme,
        "What goes where, and in which order", readme));
    Ok(Bundle { artifacts })
}

/// The workstation's kubectl credentials (with the CSR where the profile keeps one, `admin` naming
/// the certificate's subject) and the `setup-kubectl.sh` that installs them.
fn workstation_files(plan: &Plan, credentials: &Credentials, ca_pem: &str, admin: &str, with_csr: bool, setup_note: &str) -> Vec<Artifact> {
    let ws = &plan.workstation;
    let workstation = Machine::Workstation;
    let home = |file: &str| Location::Home(format!("{}/{file}", ws.dir));
    let mut files = vec![
        artifact(&workstation, home(ws.ca_cert), ArtifactKind::Certificate,
            "The cluster CA; kubectl verifies the API server with it", ca_pem.to_owned()),
        artifact(&workstation, home(ws.key), ArtifactKind::PrivateKey,
            "The kubectl admin private key", credentials.admin.key.to_pem()),
    ];
    if with_csr {
        files.push(artifact(&workstation, home(ws.csr), ArtifactKind::CertificateRequest,
            &format!("The admin certificate request ({admin})"), credentials.admin.csr_pem.clone()));
    }
    files.push(artifact(&workstation, home(ws.cert), ArtifactKind::Certificate,
        &format!("The admin client certificate ({admin}), signed by the CA"), credentials.admin.certificate_pem.clone()));
    let setup = kubectl::setup_script(plan, &files);
    files.push(artifact(&workstation, loose(layout::SETUP_KUBECTL), ArtifactKind::Script, setup_note, setup));
    files
}

/// The add-on manifests as files below `cluster-addons/`.
fn addon_artifacts(manifests: Vec<AddonManifest>) -> Result<Vec<Artifact>, YamlError> {
    manifests
        .into_iter()
        .map(|m| Ok(artifact(&Machine::ClusterAddons, loose(m.file_name), ArtifactKind::AddonManifest, m.note, yaml::to_string(&m.manifest)?)))
        .collect()
}

/// The guide's workers, workstation and add-ons, exactly as the guide writes them.
fn guide_machines(plan: &Plan, guide: &Guide, credentials: &Credentials, ca_pem: &str, artifacts: &mut Vec<Artifact>) -> Result<(), YamlError> {
    let spec = plan.spec;
    let ca_pem = ca_pem.to_owned();
    let ca_host = Machine::CaHost;
    for worker in plan.workers() {
        artifacts.push(artifact(
            &ca_host,
            loose(&layout::sign_worker(worker.name.as_str())),
            ArtifactKind::Script,
            &format!("Signs {}'s CSR on the CA host (the keys-on-node path)", worker.name),
            node_commands::sign_worker(plan, worker),
        ));
    }
    artifacts.push(artifact(
        &ca_host,
        loose(layout::SIGN_KUBECTL),
        ArtifactKind::Script,
        "Signs the kubectl admin CSR on the CA host (the keys-on-workstation path)",
        node_commands::sign_admin(plan),
    ));

    let node = &plan.node;
    let kubeconfig_yaml = yaml::to_string(&kubeconfig::worker(plan, node))?;
    let proxy_yaml = yaml::to_string(&kube_proxy::guide_pod(plan, node))?;
    let unit = kubelet::guide_unit(plan, guide, node);
    for (worker, leaf) in plan.workers().zip(credentials.workers.iter().map(|w| &w.kubelet)) {
        let machine = Machine::Worker(worker.name.clone());
        let at = |path: &crate::spec::NodePath| Location::Node(path.clone());
        let files = vec![
            artifact(&machine, at(&node.openssl_cnf), ArtifactKind::OpensslConfig,
                "The guide's v3_req extensions; openssl reads the IP SAN from $WORKER_IP", openssl_cnf::render()),
            artifact(&machine, at(&node.key), ArtifactKind::PrivateKey,
                "The worker's private key, read by kubelet (--tls-private-key-file) and the kubeconfig", leaf.key.to_pem()),
            artifact(&machine, at(&node.csr), ArtifactKind::CertificateRequest,
                &format!("The certificate request for CN={}, kept as the guide leaves it", worker.name), leaf.csr_pem.clone()),
            artifact(&machine, at(&node.cert), ArtifactKind::Certificate,
                &format!("CN={} with IP SAN {}, signed by the CA; kubelet's client and serving certificate", worker.name, worker.ip),
                leaf.certificate_pem.clone()),
            artifact(&machine, at(&node.ca_cert), ArtifactKind::Certificate,
                "The cluster CA certificate; the kubeconfig trusts the API server through it", ca_pem.clone()),
            artifact(&machine, at(&node.kubeconfig), ArtifactKind::Kubeconfig,
                "Read by kubelet (--kubeconfig) and kube-proxy; points at the CA, certificate and key above", kubeconfig_yaml.clone()),
            artifact(&machine, at(&node.kubelet_unit), ArtifactKind::SystemdUnit,
                "systemd starts the kubelet with these flags; install.sh enables it", unit.clone()),
            artifact(&machine, at(&node.kube_proxy_manifest), ArtifactKind::StaticPod,
                "A static pod: the kubelet runs kube-proxy from its manifest directory", proxy_yaml.clone()),
        ];
        let install = install_script::render(plan, worker, &files);
        artifacts.extend(files);
        artifacts.push(artifact(&machine, loose(layout::INSTALL), ArtifactKind::Script,
            "Run as root on this worker: writes every file above, then starts the kubelet", install));
        artifacts.push(artifact(&machine, loose(layout::KEYS_ON_NODE), ArtifactKind::Script,
            "Alternative: make the key and CSR on the node itself, as the guide does", node_commands::keys_on_node(plan, worker)));
    }

    let admin = format!("CN={}", spec.kubectl.admin_common_name);
    artifacts.extend(workstation_files(plan, credentials, &ca_pem, &admin, true,
        "Installs the files above into ~/.kube and runs the guide's four kubectl config commands"));
    artifacts.push(artifact(&Machine::Workstation, loose(layout::KEYS_ON_WORKSTATION), ArtifactKind::Script,
        "Alternative: make the kubectl key and CSR on the workstation, as the guide does", node_commands::keys_on_workstation(plan)));

    let manifests = addon_artifacts(skydns::dns_addon(plan))?;
    let create = addons::create_script(&manifests);
    artifacts.extend(manifests);
    artifacts.push(artifact(&Machine::ClusterAddons, loose(layout::CREATE_DNS), ArtifactKind::Script,
        "Creates the DNS add-on with kubectl from the workstation", create));
    Ok(())
}
