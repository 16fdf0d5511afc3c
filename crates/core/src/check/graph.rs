//! How a bundle fits together: every file, grouped by machine, and every reference between files
//! (and to the API endpoint and servers outside the bundle) that the checks resolved on their way,
//! each with the verdict of the check behind it. Recorded by the checks themselves, so the picture
//! and the report can never disagree.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Report, Status};
use crate::bundle::layout;

/// A certificate's issuer.
pub const SIGNED_BY: &str = "signed by";
/// A file that must be the cluster CA's certificate.
pub const COPY_OF: &str = "copy of the cluster CA";
/// A private key and the certificate carrying its public key.
pub const KEY_OF: &str = "private key of";
/// A CSR and the certificate issued for it.
pub const REQUEST_FOR: &str = "request for";
/// A Service and the workload whose pods it selects.
pub const SELECTOR: &str = "selector";
/// An install script and a file it writes.
pub const WRITES: &str = "writes";

/// How a reference to an API server behind the front is named: `api-server:<name> <address>`.
pub const API_SERVER: &str = "api-server:";

/// The references of one run, with each path, URL or server named once (a large cluster names
/// the same CA from every worker).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct References {
    pub names: Vec<String>,
    pub edges: Vec<Reference>,
}

/// One reference: `names[from]` refers to `names[to]`, `kind` says how (as the file spells it:
/// `--kubeconfig`, `client-certificate`, `clusterDNS = clusterIP`), `finding` is the report's
/// finding that judged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub from: u32,
    pub to: u32,
    pub kind: Cow<'static, str>,
    pub finding: u32,
    pub status: Status,
}

/// Interns the names of one run's references.
#[derive(Default)]
pub(super) struct Names {
    index: HashMap<String, u32>,
}

impl Names {
    pub fn intern(&mut self, references: &mut References, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(references.names.len()).unwrap_or(u32::MAX);
        references.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }
}

/// What a node of the graph is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A file of the bundle.
    File,
    /// A path some file names that the bundle lacks.
    Missing,
    /// The URL nodes and kubectl use to reach the API servers.
    Endpoint,
    /// An API server behind the front.
    ApiServer,
}

/// A file, or a thing outside the bundle that files name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The bundle path, URL or `api-server:` name.
    pub id: String,
    /// The machine folder (`workers/worker01`); `""` for the bundle's own files and outside things.
    pub machine: String,
    /// As people see it: the path on its machine, the URL, the server.
    pub label: String,
    pub kind: NodeKind,
    /// The worst verdict of the checks that name this file, if any do.
    pub status: Option<Status>,
}

/// One arrow: `nodes[from]` refers to `nodes[to]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: String,
    /// The report's finding behind it.
    pub finding: usize,
    pub status: Status,
}

/// A bundle's files and references.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// Ordered by machine, then path.
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// The machine label of outside things (the endpoint, the API servers).
pub const OUTSIDE: &str = "The cluster's API";

impl Graph {
    /// The graph of a bundle with these file paths, from the references its report recorded.
    /// The same reference made by two checks (a kubeconfig kubelet and kube-proxy share) is
    /// drawn once, with the worse verdict.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>, report: &Report) -> Graph {
        let files: BTreeSet<&str> = paths.into_iter().collect();
        let mut status_of: HashMap<&str, Status> = HashMap::new();
        for finding in &report.findings {
            for file in &finding.files {
                let worst = status_of.entry(file.as_str()).or_insert(finding.status);
                *worst = (*worst).max(finding.status);
            }
        }
        let references = &report.references;
        let mut ids: BTreeSet<&str> = files.clone();
        ids.extend(references.names.iter().map(String::as_str));
        let mut nodes: Vec<Node> = ids
            .into_iter()
            .map(|id| {
                let kind = if files.contains(id) {
                    NodeKind::File
                } else if id.starts_with("https://") || id.starts_with("http://") {
                    NodeKind::Endpoint
                } else if id.starts_with(API_SERVER) {
                    NodeKind::ApiServer
                } else {
                    NodeKind::Missing
                };
                let (machine, label) = match kind {
                    NodeKind::File | NodeKind::Missing => (layout::machine_dir(id).to_owned(), layout::path_on_machine(id)),
                    NodeKind::Endpoint => (String::new(), id.to_owned()),
                    NodeKind::ApiServer => (String::new(), id.trim_start_matches(API_SERVER).to_owned()),
                };
                let status = match kind {
                    NodeKind::Missing => Some(Status::Fail),
                    _ => status_of.get(id).copied(),
                };
                Node { id: id.to_owned(), machine, label, kind, status }
            })
            .collect();
        nodes.sort_by(|a, b| node_order(a).cmp(&node_order(b)));
        let position: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
        let mut seen: BTreeMap<(usize, usize, &str), usize> = BTreeMap::new();
        let mut edges: Vec<Edge> = Vec::new();
        for reference in &references.edges {
            let name = |i: u32| references.names.get(i as usize).and_then(|n| position.get(n.as_str())).copied();
            let (Some(from), Some(to)) = (name(reference.from), name(reference.to)) else { continue };
            match seen.get(&(from, to, reference.kind.as_ref())) {
                Some(&at) => {
                    if reference.status > edges[at].status {
                        edges[at].status = reference.status;
                        edges[at].finding = reference.finding as usize;
                    }
                }
                None => {
                    seen.insert((from, to, reference.kind.as_ref()), edges.len());
                    edges.push(Edge { from, to, kind: reference.kind.to_string(), finding: reference.finding as usize, status: reference.status });
                }
            }
        }
        Graph { nodes, edges }
    }

    /// The machines in the order the nodes list them, with their nodes; the outside things come
    /// last, as one group of their own (`outside`).
    pub fn machines(&self) -> Vec<Group<'_>> {
        let mut out: Vec<Group<'_>> = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let outside = node.is_outside();
            match out.last_mut() {
                Some(group) if group.dir == node.machine && group.outside == outside => group.members.push(i),
                _ => out.push(Group { dir: &node.machine, outside, members: vec![i] }),
            }
        }
        out
    }

    /// The graph for graphviz: one cluster per machine, arrows labelled with how the file refers
    /// and coloured by their check (green pass, amber warn, red and bold fail), missing files dashed.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph bundle {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
        for group in self.machines() {
            let cluster = if group.outside { "cluster_outside".to_owned() } else { format!("cluster_{}", group.dir) };
            let _ = writeln!(out, "  subgraph {} {{\n    label={};", dot_id(&cluster), dot_id(&group.label()));
            for &i in &group.members {
                let node = &self.nodes[i];
                let style = match node.kind {
                    NodeKind::File => "",
                    NodeKind::Missing => ", style=dashed, color=\"#b42318\"",
                    NodeKind::Endpoint | NodeKind::ApiServer => ", shape=ellipse",
                };
                let _ = writeln!(out, "    {} [label={}{style}];", dot_id(&node.id), dot_id(&node.label));
            }
            out.push_str("  }\n");
        }
        for edge in &self.edges {
            let (color, style) = match edge.status {
                Status::Pass => ("#1a7f37", ""),
                Status::Warn => ("#9a6700", ", style=dashed"),
                Status::Fail => ("#b42318", ", style=bold"),
            };
            let _ = writeln!(
                out,
                "  {} -> {} [label={}, color=\"{color}\", fontcolor=\"{color}\"{style}];",
                dot_id(&self.nodes[edge.from].id),
                dot_id(&self.nodes[edge.to].id),
                dot_id(&edge.kind)
            );
        }
        out.push_str("}\n");
        out
    }

    /// The graph for tools: nodes, and edges by node id with their check's id, verdict, title,
    /// detail and why it matters.
    pub fn to_json_value<'a>(&'a self, report: &'a Report) -> JsonGraph<'a> {
        let edges = self
            .edges
            .iter()
            .map(|e| {
                let finding = report.findings.get(e.finding);
                JsonEdge {
                    from: &self.nodes[e.from].id,
                    to: &self.nodes[e.to].id,
                    kind: &e.kind,
                    status: e.status.name(),
                    check: finding.map_or("", |f| f.check.as_ref()),
                    title: finding.map_or("", |f| f.title.as_str()),
                    detail: finding.map_or("", |f| f.detail.as_str()),
                    why: finding.map_or("", |f| f.why.as_ref()),
                }
            })
            .collect();
        let nodes = self
            .nodes
            .iter()
            .map(|n| JsonNode { id: &n.id, machine: &n.machine, label: &n.label, kind: n.kind, status: n.status.map(Status::name) })
            .collect();
        JsonGraph { nodes, edges }
    }

    /// Edges into and out of a node.
    pub fn edges_of(&self, node: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.from == node || e.to == node)
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }
}

/// Files first, by machine and path; then the outside things, the endpoint before the servers.
fn node_order(node: &Node) -> (u8, &str, &str) {
    let rank = match node.kind {
        NodeKind::File | NodeKind::Missing => 0,
        NodeKind::Endpoint => 1,
        NodeKind::ApiServer => 2,
    };
    (rank, &node.machine, &node.id)
}

impl Node {
    /// The endpoint and the API servers: named by files, not files themselves.
    pub fn is_outside(&self) -> bool {
        matches!(self.kind, NodeKind::Endpoint | NodeKind::ApiServer)
    }
}

/// A DOT string literal.
fn dot_id(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

/// One machine's nodes, or the outside things'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    pub dir: &'a str,
    pub outside: bool,
    pub members: Vec<usize>,
}

impl Group<'_> {
    pub fn label(&self) -> String {
        if self.outside {
            OUTSIDE.to_owned()
        } else {
            layout::machine_label(self.dir)
        }
    }
}

/// [`Graph::to_json_value`]'s shape.
#[derive(Serialize)]
pub struct JsonGraph<'a> {
    pub nodes: Vec<JsonNode<'a>>,
    pub edges: Vec<JsonEdge<'a>>,
}

#[derive(Serialize)]
pub struct JsonNode<'a> {
    pub id: &'a str,
    pub machine: &'a str,
    pub label: &'a str,
    pub kind: NodeKind,
    pub status: Option<&'static str>,
}

#[derive(Serialize)]
pub struct JsonEdge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: &'a str,
    pub status: &'static str,
    pub check: &'a str,
    pub title: &'a str,
    pub detail: &'a str,
    pub why: &'a str,
}
