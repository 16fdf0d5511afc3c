//! Typed Kubernetes objects, just the fields the studio writes, in the order people read them.

use crate::profile::KUBE_SYSTEM;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// A string map that keeps insertion order (labels, selectors, resource quantities).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderedMap(pub Vec<(String, String)>);

impl OrderedMap {
    pub fn of<const N: usize>(pairs: [(&str, &str); N]) -> OrderedMap {
        OrderedMap(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for OrderedMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Any object the studio writes as a manifest.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Manifest {
    Pod(Pod),
    ReplicationController(ReplicationController),
    Service(Service),
    Deployment(Object<WithSpec<DeploymentSpec>>),
    DaemonSet(Object<WithSpec<DaemonSetSpec>>),
    ConfigMap(Object<ConfigMapData>),
    ServiceAccount(Object<NoBody>),
    ClusterRole(Object<Rules>),
    ClusterRoleBinding(Object<Binding>),
    Secret(Object<SecretData>),
}

/// Any top-level object: type, metadata, then the kind's own fields.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<B> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    #[serde(flatten)]
    pub body: B,
}

/// The body of an object that has only metadata (a ServiceAccount).
#[derive(Clone, Debug, Serialize)]
pub struct NoBody {}

#[derive(Clone, Debug, Serialize)]
pub struct WithSpec<T> {
    pub spec: T,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConfigMapData {
    pub data: OrderedMap,
}

/// A Secret's type and its values as text (`stringData`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretData {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub string_data: OrderedMap,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rules {
    pub rules: Vec<PolicyRule>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    pub api_groups: Vec<&'static str>,
    pub resources: Vec<&'static str>,
    pub verbs: Vec<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    pub api_group: &'static str,
    pub kind: &'static str,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_group: Option<&'static str>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    pub replicas: u32,
    pub strategy: DeploymentStrategy,
    pub selector: LabelSelector,
    pub template: PodTemplate,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStrategy {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rolling_update: RollingUpdate,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingUpdate {
    pub max_unavailable: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonSetSpec {
    pub selector: LabelSelector,
    pub update_strategy: DaemonSetStrategy,
    pub template: PodTemplate,
}

#[derive(Clone, Debug, Serialize)]
pub struct DaemonSetStrategy {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_labels: OrderedMap,
}

#[derive(Clone, Debug, Serialize)]
pub struct Toleration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'static str>,
    pub operator: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Affinity {
    pub pod_anti_affinity: PodAntiAffinity,
}

#[derive(Clone, Debug, Serialize)]
pub struct PodAntiAffinity {
    #[serde(rename = "preferredDuringSchedulingIgnoredDuringExecution")]
    pub preferred: Vec<WeightedPodAffinityTerm>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightedPodAffinityTerm {
    pub weight: u32,
    pub pod_affinity_term: PodAffinityTerm,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodAffinityTerm {
    pub label_selector: LabelSelector,
    pub topology_key: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvVar {
    pub name: &'static str,
    #[serde(rename = "valueFrom")]
    pub value_from: EnvVarSource,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    pub field_ref: FieldRef,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    pub field_path: &'static str,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub labels: OrderedMap,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub node_selector: OrderedMap,
    pub containers: Vec<Container>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<&'static str>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<SecurityContext>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub limits: OrderedMap,
    pub requests: OrderedMap,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    pub http_get: HttpGet,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HttpGet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<&'static str>,
    pub path: &'static str,
    pub port: u16,
    pub scheme: &'static str,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    pub container_port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    pub protocol: &'static str,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_privilege_escalation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_root_filesystem: Option<bool>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Capabilities {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    pub mount_path: String,
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_path: Option<HostPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDir>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapVolume>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HostPath {
    pub path: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConfigMapVolume {
    pub name: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct EmptyDir {}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicationController {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ReplicationControllerSpec,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplicationControllerSpec {
    pub replicas: u32,
    pub selector: OrderedMap,
    pub template: PodTemplate,
}

#[derive(Clone, Debug, Serialize)]
pub struct PodTemplate {
    pub metadata: TemplateMeta,
    pub spec: PodSpec,
}

#[derive(Clone, Debug, Serialize)]
pub struct TemplateMeta {
    pub labels: OrderedMap,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceSpec {
    pub selector: OrderedMap,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: String,
    pub ports: Vec<ServicePort>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServicePort {
    pub name: &'static str,
    pub port: u16,
    pub protocol: &'static str,
    #[serde(rename = "targetPort", skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u16>,
}

// Constructors the renderers share.

pub(crate) fn meta(name: &str, namespace: bool, labels: OrderedMap) -> ObjectMeta {
    ObjectMeta { name: name.into(), namespace: namespace.then(|| KUBE_SYSTEM.into()), labels }
}

pub(crate) fn cluster_role_binding(name: &str, role: &str, subject: Subject) -> Manifest {
    Manifest::ClusterRoleBinding(Object {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: meta(name, false, OrderedMap::default()),
        body: Binding {
            role_ref: RoleRef { api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.into() },
            subjects: vec![subject],
        },
    })
}

pub(crate) fn service_account(name: &str) -> Manifest {
    Manifest::ServiceAccount(Object { api_version: "v1", kind: "ServiceAccount", metadata: meta(name, true, OrderedMap::default()), body: NoBody {} })
}

pub(crate) fn config_map(name: &str, labels: OrderedMap, data: Vec<(String, String)>) -> Manifest {
    Manifest::ConfigMap(Object { api_version: "v1", kind: "ConfigMap", metadata: meta(name, true, labels), body: ConfigMapData { data: OrderedMap(data) } })
}

pub(crate) fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> Manifest {
    Manifest::ClusterRole(Object {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: meta(name, false, OrderedMap::default()),
        body: Rules { rules },
    })
}

pub(crate) fn service_account_subject(name: &str) -> Subject {
    Subject { kind: "ServiceAccount", api_group: None, name: name.into(), namespace: Some(KUBE_SYSTEM) }
}

pub(crate) fn rbac_subject(kind: &'static str, name: &str) -> Subject {
    Subject { kind, api_group: Some("rbac.authorization.k8s.io"), name: name.into(), namespace: None }
}


pub(crate) fn host_path(name: &'static str, path: &str, kind: Option<&'static str>) -> Volume {
    Volume { name, host_path: Some(HostPath { path: path.to_owned(), kind }), empty_dir: None, config_map: None }
}

pub(crate) fn mount(name: &'static str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount { mount_path: path.to_owned(), name, read_only: read_only.then_some(true) }
}
