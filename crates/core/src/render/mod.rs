//! Artifacts: typed documents rendered to text, one module per kind, assembled into a bundle.

pub mod addons;
pub mod bootstrap;
pub mod component_config;
pub mod coredns;
mod current;
pub mod front;
pub mod haproxy;
pub mod install_script;
pub mod k8s;
pub mod keepalived;
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
use crate::pki::{format_unix, Credentials, PkiError};
use crate::plan::{names, GuideLayout, GuideWorker, Plan, ProfilePlan};
use addons::AddonManifest;
use crate::profile::history::Topic;
use crate::spec::{CaSpec, Guide};
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
    Artifact { machine: machine.clone(), location, mode: Artifact::mode_for(kind), kind, note: note.to_owned(), topic: None, content }
}

/// Why a bundle could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("rendering YAML: {}", .0.message)]
    Yaml(YamlError),
    #[error(transparent)]
    Pki(#[from] PkiError),
}

impl From<YamlError> for RenderError {
    fn from(e: YamlError) -> RenderError {
        RenderError::Yaml(e)
    }
}

fn loose(name: &str) -> Location {
    Location::Loose(name.to_owned())
}

/// Renders every artifact of the plan with the issued credentials.
pub fn build(plan: &Plan, credentials: &Credentials, options: RenderOptions) -> Result<Bundle, RenderError> {
    let spec = plan.spec;
    let ca_pem = credentials.ca.certificate_pem().to_owned();
    let mut artifacts = Vec::new();

    let ca_host = Machine::CaHost;
    // Only a CA the studio made has a key to export.
    let exported_key = credentials.ca.generated_key().filter(|_| options.include_ca_key && matches!(spec.ca, CaSpec::Generate { .. }));
    let ca_key_included = exported_key.is_some();
    artifacts.push(artifact(
        &ca_host,
        Location::Home(names::CA_CERT.into()),
        ArtifactKind::Certificate,
        "The cluster CA certificate; every certificate in this bundle chains to it",
        ca_pem.clone(),
    ));
    if let Some(key) = exported_key {
        artifacts.push(artifact(
            &ca_host,
            Location::Home(names::CA_KEY.into()),
            ArtifactKind::PrivateKey,
            "The CA private key: signs new certificates; stays on the CA host, never on a worker",
            key.to_pem(),
        ));
    }
    match &plan.profile {
        ProfilePlan::Guide2016 { guide, layout, workers } => guide_machines(plan, guide, layout, workers, credentials, &ca_pem, &mut artifacts)?,
        ProfilePlan::Current { current, layout, workers } => {
            current::machines(plan, current, options.now, layout, workers, credentials, &ca_pem, &mut artifacts)?
        }
    }

    // The front's machines come after the workers: before the workstation and the add-ons.
    let mut front_machines = Vec::new();
    front::machines(plan, &mut front_machines)?;
    let at = artifacts.iter().position(|a| matches!(a.machine, Machine::Workstation | Machine::ClusterAddons)).unwrap_or(artifacts.len());
    artifacts.splice(at..at, front_machines);

    let token = match spec.bootstrap() {
        Some(join) => Some((credentials.token()?, format_unix(options.now + i64::from(join.ttl_seconds)))),
        None => None,
    };
    let readme = readme::render(plan, &artifacts, &format_unix(options.now), ca_key_included, token);
    artifacts.insert(0, artifact(&Machine::Bundle, loose(layout::README), ArtifactKind::Readme,
        "What goes where, and in which order", readme));
    Ok(Bundle { artifacts })
}

/// The workstation's kubectl credentials (with the CSR where the profile keeps one) and the
/// `setup-kubectl.sh` that installs them; `topic` marks the admin's key and certificate for the
/// "since 2016" notes.
fn workstation_files(
    plan: &Plan,
    credentials: &Credentials,
    ca_pem: &str,
    with_csr: bool,
    setup_note: &str,
    topic: Option<Topic>,
) -> Result<Vec<Artifact>, PkiError> {
    let ws = &plan.workstation;
    let planned = plan.admin.as_ref().ok_or(PkiError::MissingAdmin)?;
    let issued = credentials.leaf(planned)?;
    let admin = planned.subject();
    let workstation = Machine::Workstation;
    let home = |file: &str| Location::Home(format!("{}/{file}", ws.dir));
    let about = |file: Artifact| match topic {
        Some(topic) => file.about(topic),
        None => file,
    };
    let mut files = vec![
        artifact(&workstation, home(ws.ca_cert), ArtifactKind::Certificate,
            "The cluster CA; kubectl verifies the API server with it", ca_pem.to_owned()),
        about(artifact(&workstation, home(ws.key), ArtifactKind::PrivateKey,
            "The kubectl admin private key", issued.key.to_pem())),
    ];
    if with_csr {
        files.push(artifact(&workstation, home(ws.csr), ArtifactKind::CertificateRequest,
            &format!("The admin certificate request ({admin})"), issued.csr_pem.clone()));
    }
    files.push(about(artifact(&workstation, home(ws.cert), ArtifactKind::Certificate,
        &format!("The admin client certificate ({admin}), signed by the CA"), issued.certificate_pem.clone())));
    let setup = kubectl::setup_script(plan, &files);
    files.push(artifact(&workstation, loose(layout::SETUP_KUBECTL), ArtifactKind::Script, setup_note, setup));
    Ok(files)
}

/// The add-on manifests as files below `cluster-addons/`.
fn addon_artifacts(manifests: Vec<AddonManifest>) -> Result<Vec<Artifact>, YamlError> {
    manifests
        .into_iter()
        .map(|m| {
            let file = artifact(&Machine::ClusterAddons, loose(m.file_name), ArtifactKind::AddonManifest, m.note, yaml::to_string(&m.manifest)?);
            let file = Artifact { topic: m.topic, ..file };
            Ok(if m.secret { file.secret() } else { file })
        })
        .collect()
}

/// The guide's workers, workstation and add-ons, exactly as the guide writes them.
fn guide_machines(
    plan: &Plan,
    guide: &Guide,
    layout: &GuideLayout,
    workers: &[GuideWorker],
    credentials: &Credentials,
    ca_pem: &str,
    artifacts: &mut Vec<Artifact>,
) -> Result<(), RenderError> {
    let ca_pem = ca_pem.to_owned();
    let ca_host = Machine::CaHost;
    let admin = plan.admin.as_ref().ok_or(PkiError::MissingAdmin)?;
    for worker in workers {
        artifacts.push(artifact(
            &ca_host,
            loose(&layout::sign_worker(worker.node.name.as_str())),
            ArtifactKind::Script,
            &format!("Signs {}'s CSR on the CA host (the keys-on-node path)", worker.node.name),
            node_commands::sign_worker(plan, worker),
        ));
    }
    artifacts.push(artifact(
        &ca_host,
        loose(layout::SIGN_KUBECTL),
        ArtifactKind::Script,
        "Signs the kubectl admin CSR on the CA host (the keys-on-workstation path)",
        node_commands::sign_admin(plan, admin),
    ));

    let node = &plan.node;
    let kubeconfig_yaml = yaml::to_string(&kubeconfig::worker(plan, layout))?;
    let proxy_yaml = yaml::to_string(&kube_proxy::guide_pod(plan, node))?;
    let unit = kubelet::guide_unit(plan, guide, layout);
    for guide_worker in workers {
        let (worker, planned) = (guide_worker.node, &guide_worker.leaf);
        let leaf = credentials.leaf(planned)?;
        let machine = Machine::Worker(worker.name.clone());
        let at = |path: &crate::spec::NodePath| Location::Node(path.clone());
        let mut files = vec![
            artifact(&machine, at(&layout.openssl_cnf), ArtifactKind::OpensslConfig,
                "The guide's v3_req extensions; openssl reads the IP SAN from $WORKER_IP", openssl_cnf::render()),
            artifact(&machine, at(&layout.key), ArtifactKind::PrivateKey,
                "The worker's private key, read by kubelet (--tls-private-key-file) and the kubeconfig", leaf.key.to_pem()),
            artifact(&machine, at(&layout.csr), ArtifactKind::CertificateRequest,
                &format!("The certificate request for {}, kept as the guide leaves it", planned.subject()), leaf.csr_pem.clone()),
            artifact(&machine, at(&layout.cert), ArtifactKind::Certificate,
                &format!("{} with IP SAN {}, signed by the CA; kubelet's client and serving certificate", planned.subject(), worker.ip),
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
        files.extend(front::local_proxy(plan, worker));
        let key_material = [&layout.openssl_cnf, &layout.key, &layout.csr, &layout.cert];
        let install = install_script::render(plan, worker, &key_material, &files);
        artifacts.extend(files);
        artifacts.push(artifact(&machine, loose(layout::INSTALL), ArtifactKind::Script,
            "Run as root on this worker: writes every file above, then starts the kubelet", install));
        artifacts.push(artifact(&machine, loose(layout::KEYS_ON_NODE), ArtifactKind::Script,
            "Alternative: make the key and CSR on the node itself, as the guide does", node_commands::keys_on_node(plan, guide_worker)));
    }

    artifacts.extend(workstation_files(plan, credentials, &ca_pem, true,
        "Installs the files above into ~/.kube and runs the guide's four kubectl config commands", None)?);
    artifacts.push(artifact(&Machine::Workstation, loose(layout::KEYS_ON_WORKSTATION), ArtifactKind::Script,
        "Alternative: make the kubectl key and CSR on the workstation, as the guide does", node_commands::keys_on_workstation(plan, admin)));

    let manifests = addon_artifacts(skydns::dns_addon(plan))?;
    let create = addons::create_script(&manifests);
    artifacts.extend(manifests);
    artifacts.push(artifact(&Machine::ClusterAddons, loose(layout::CREATE_DNS), ArtifactKind::Script,
        "Creates the DNS add-on with kubectl from the workstation", create));
    Ok(())
}
