//! The reference graph laid out for the studio's picture: one machine's files with the files and
//! outside things they refer to (in columns, each reference pointing rightwards where it can), or
//! the whole bundle as machines, one of them expanded, many workers folded into one box.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::graph::{Graph, NodeKind};
use super::Status;
use crate::bundle::layout;

/// A box's size and the gaps between them, in SVG units (whole numbers: the page's module
/// carries no float formatting).
pub const BOX_WIDTH: i32 = 220;
pub const BOX_HEIGHT: i32 = 36;
const COLUMN_GAP: i32 = 170;
const ROW_GAP: i32 = 14;
const FRAME_PAD: i32 = 10;
const FRAME_TITLE: i32 = 20;
/// Workers drawn as boxes of their own in the whole-bundle view; the rest fold into one.
pub const WORKERS_SHOWN: usize = 12;

/// What to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    /// One machine's files (folder `dir`) and what they refer to elsewhere.
    Machine { dir: String, show_writes: bool },
    /// Every machine as one box; `expanded`'s files drawn inside its frame.
    Whole { expanded: Option<String> },
}

/// What a box stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A node of the graph.
    Node(usize),
    /// A collapsed machine (its folder).
    Machine(String),
    /// Workers beyond [`WORKERS_SHOWN`], folded: how many.
    MoreWorkers(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    pub shape: Shape,
    pub x: i32,
    pub y: i32,
    pub label: String,
    /// The worst verdict of what the box holds, if anything judged it.
    pub status: Option<Status>,
    /// A file the bundle lacks, or a thing outside the bundle.
    pub missing: bool,
    pub outside: bool,
}

/// A machine's frame around its boxes.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub label: String,
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// An arrow: the SVG path, where its label sits, and the edges it stands for (one, or for
/// collapsed machines every reference between them).
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub edges: Vec<usize>,
    pub path: String,
    pub label: String,
    pub label_x: i32,
    pub label_y: i32,
    pub status: Status,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawing {
    pub width: i32,
    pub height: i32,
    pub boxes: Vec<Tile>,
    pub frames: Vec<Frame>,
    pub arrows: Vec<Arrow>,
}

/// A vertex of the layout: what it draws, and its frame (machine folder, or `None` outside).
struct Vertex {
    shape: Shape,
    frame: Option<String>,
}

/// Lays out `view` of the graph.
pub fn draw(graph: &Graph, view: &View) -> Drawing {
    match view {
        View::Machine { dir, show_writes } => draw_machine(graph, dir, *show_writes),
        View::Whole { expanded } => draw_whole(graph, expanded.as_deref()),
    }
}

fn frame_of(graph: &Graph, node: usize) -> Option<String> {
    let node = &graph.nodes[node];
    (!node.is_outside()).then(|| node.machine.clone())
}

fn draw_machine(graph: &Graph, dir: &str, show_writes: bool) -> Drawing {
    let shown_edge = |kind: &str| show_writes || kind != super::graph::WRITES;
    let own: Vec<usize> = (0..graph.nodes.len()).filter(|&i| graph.nodes[i].machine == dir && !graph.nodes[i].is_outside()).collect();
    let own_set: BTreeSet<usize> = own.iter().copied().collect();
    let edges: Vec<usize> = (0..graph.edges.len())
        .filter(|&e| {
            let edge = &graph.edges[e];
            shown_edge(&edge.kind) && (own_set.contains(&edge.from) || own_set.contains(&edge.to))
        })
        .collect();
    let mut members: BTreeSet<usize> = own_set.clone();
    for &e in &edges {
        members.insert(graph.edges[e].from);
        members.insert(graph.edges[e].to);
    }
    let vertices: Vec<usize> = members.into_iter().collect();
    let index: HashMap<usize, usize> = vertices.iter().enumerate().map(|(v, &n)| (n, v)).collect();
    let links: Vec<(usize, usize)> = edges.iter().map(|&e| (index[&graph.edges[e].from], index[&graph.edges[e].to])).collect();
    let layout_vertices: Vec<Vertex> = vertices.iter().map(|&n| Vertex { shape: Shape::Node(n), frame: frame_of(graph, n) }).collect();
    let mut drawing = place(&layout_vertices, &links, Some(dir), |v| node_box(graph, vertices[v]));
    let mut slots = Slots::default();
    drawing.arrows = edges
        .iter()
        .zip(&links)
        .map(|(&e, &(from, to))| {
            let edge = &graph.edges[e];
            arrow(&drawing.boxes[from], &drawing.boxes[to], slots.next(to), vec![e], edge.kind.clone(), edge.status)
        })
        .collect();
    drawing
}

fn node_box(graph: &Graph, node: usize) -> Tile {
    let n = &graph.nodes[node];
    Tile { shape: Shape::Node(node), x: 0, y: 0, label: n.label.clone(), status: n.status, missing: n.kind == NodeKind::Missing, outside: n.is_outside() }
}

fn draw_whole(graph: &Graph, expanded: Option<&str>) -> Drawing {
    // Machines in the graph's order; workers beyond the first few fold into one box (the
    // expanded one always stays).
    let mut machines: Vec<&str> = Vec::new();
    for group in graph.machines() {
        if !group.outside && !machines.contains(&group.dir) {
            machines.push(group.dir);
        }
    }
    let is_worker = |dir: &str| dir.starts_with(&format!("{}/", layout::WORKERS));
    let workers: Vec<&str> = machines.iter().copied().filter(|d| is_worker(d)).collect();
    let mut shown: BTreeSet<&str> = workers.iter().copied().take(WORKERS_SHOWN).collect();
    shown.extend(expanded.filter(|d| is_worker(d)));
    let folded: BTreeSet<&str> = workers.iter().copied().filter(|d| !shown.contains(d)).collect();

    // Each graph node's vertex: its own (expanded machine, outside things), its machine's box,
    // or the folded workers' box.
    let mut vertices: Vec<Vertex> = Vec::new();
    let mut vertex_of_machine: BTreeMap<&str, usize> = BTreeMap::new();
    let mut node_vertex: Vec<usize> = Vec::with_capacity(graph.nodes.len());
    let mut more = None;
    for (i, node) in graph.nodes.iter().enumerate() {
        let v = if node.is_outside() || Some(node.machine.as_str()) == expanded {
            vertices.push(Vertex { shape: Shape::Node(i), frame: frame_of(graph, i) });
            vertices.len() - 1
        } else if folded.contains(node.machine.as_str()) {
            *more.get_or_insert_with(|| {
                vertices.push(Vertex { shape: Shape::MoreWorkers(folded.len()), frame: None });
                vertices.len() - 1
            })
        } else {
            *vertex_of_machine.entry(&node.machine).or_insert_with(|| {
                vertices.push(Vertex { shape: Shape::Machine(node.machine.clone()), frame: None });
                vertices.len() - 1
            })
        };
        node_vertex.push(v);
    }
    // References between different vertices, merged per pair.
    let mut merged: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (e, edge) in graph.edges.iter().enumerate() {
        let (from, to) = (node_vertex[edge.from], node_vertex[edge.to]);
        if from != to {
            merged.entry((from, to)).or_default().push(e);
        }
    }
    let links: Vec<(usize, usize)> = merged.keys().copied().collect();
    let status_of_vertex = |v: usize| -> Option<Status> {
        let nodes = node_vertex.iter().enumerate().filter(|(_, &w)| w == v).map(|(i, _)| graph.nodes[i].status);
        let edges = graph.edges.iter().filter(|e| node_vertex[e.from] == v || node_vertex[e.to] == v).map(|e| Some(e.status));
        nodes.chain(edges).flatten().max()
    };
    let mut drawing = place(&vertices, &links, None, |v| match &vertices[v].shape {
        Shape::Node(n) => node_box(graph, *n),
        Shape::Machine(dir) => Tile { shape: Shape::Machine(dir.clone()), x: 0, y: 0, label: layout::machine_label(dir), status: status_of_vertex(v), missing: false, outside: false },
        Shape::MoreWorkers(n) => Tile { shape: Shape::MoreWorkers(*n), x: 0, y: 0, label: format!("{n} more workers"), status: status_of_vertex(v), missing: false, outside: false },
    });
    let mut slots = Slots::default();
    drawing.arrows = merged
        .into_iter()
        .map(|((from, to), edges)| {
            let status = edges.iter().map(|&e| graph.edges[e].status).max().unwrap_or(Status::Pass);
            let label = match edges.as_slice() {
                [one] => graph.edges[*one].kind.clone(),
                many => format!("{} references", many.len()),
            };
            arrow(&drawing.boxes[from], &drawing.boxes[to], slots.next(to), edges, label, status)
        })
        .collect();
    drawing
}

/// Columns by the longest chain of references leading to a vertex (so references point right),
/// rows ordered by where their predecessors sit, framed by machine. With `own`, that machine's
/// files take the first columns and everything else stands in the last, grouped by machine.
fn place(vertices: &[Vertex], links: &[(usize, usize)], own: Option<&str>, make: impl Fn(usize) -> Tile) -> Drawing {
    let n = vertices.len();
    let mut rank = vec![0usize; n];
    let is_own = |v: usize| own.is_none_or(|dir| vertices[v].frame.as_deref() == Some(dir));
    // Longest path by relaxation, bounded so a cycle cannot loop for ever.
    for _ in 0..n.min(64) {
        let mut changed = false;
        for &(from, to) in links.iter().filter(|(f, t)| is_own(*f) && is_own(*t)) {
            if from != to && rank[to] < rank[from] + 1 && rank[from] + 1 < n.min(64) {
                rank[to] = rank[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    if own.is_some() {
        let last = (0..n).filter(|&v| is_own(v)).map(|v| rank[v]).max().map_or(0, |m| m + 1);
        for v in (0..n).filter(|&v| !is_own(v)) {
            rank[v] = last;
        }
    }
    // Vertices of one frame stay together in a column: order by frame, then by the average row
    // of their predecessors, then by label.
    let columns = rank.iter().copied().max().map_or(0, |m| m + 1);
    let mut row = vec![0i32; n];
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for v in 0..n {
        order[rank[v]].push(v);
    }
    let labels: Vec<Tile> = (0..n).map(&make).collect();
    for column in &mut order {
        column.sort_by(|&a, &b| {
            // The average row of the predecessors, in thousandths.
            let pred = |v: usize| {
                let rows: Vec<i64> = links.iter().filter(|(_, to)| *to == v).map(|(from, _)| i64::from(row[*from])).collect();
                if rows.is_empty() { i64::MAX } else { rows.iter().sum::<i64>() * 1000 / rows.len() as i64 }
            };
            (vertices[a].frame.as_deref(), pred(a), &labels[a].label).cmp(&(vertices[b].frame.as_deref(), pred(b), &labels[b].label))
        });
        for (i, &v) in column.iter().enumerate() {
            row[v] = i32::try_from(i).unwrap_or(i32::MAX);
        }
    }
    let mut drawing = Drawing { boxes: labels, ..Drawing::default() };
    let mut frames: BTreeMap<(usize, Option<String>), (i32, i32, i32, i32)> = BTreeMap::new();
    let mut height: i32 = 0;
    for (c, column) in order.iter().enumerate() {
        let x = FRAME_PAD + to_i32(c) * (BOX_WIDTH + COLUMN_GAP);
        let mut y = FRAME_PAD;
        let mut previous: Option<&Option<String>> = None;
        for &v in column {
            let frame = &vertices[v].frame;
            if previous != Some(frame) {
                if previous.is_some() {
                    y += FRAME_PAD * 2;
                }
                if frame.is_some() {
                    y += FRAME_TITLE;
                }
                previous = Some(frame);
            }
            drawing.boxes[v].x = x;
            drawing.boxes[v].y = y;
            if let Some(dir) = frame {
                let entry = frames.entry((c, Some(dir.clone()))).or_insert((x - FRAME_PAD / 2, y - FRAME_TITLE, BOX_WIDTH + FRAME_PAD, 0));
                entry.3 = y + BOX_HEIGHT + FRAME_PAD / 2 - entry.1;
            }
            y += BOX_HEIGHT + ROW_GAP;
        }
        height = height.max(y);
    }
    // One frame per machine where its columns' frames join without taking in another box; a
    // frame per column otherwise.
    let mut by_machine: BTreeMap<String, Vec<(i32, i32, i32, i32)>> = BTreeMap::new();
    for ((_, dir), rect) in frames {
        if let Some(dir) = dir {
            by_machine.entry(dir).or_default().push(rect);
        }
    }
    for (dir, rects) in by_machine {
        let x = rects.iter().map(|r| r.0).fold(i32::MAX, i32::min);
        let y = rects.iter().map(|r| r.1).fold(i32::MAX, i32::min);
        let right = rects.iter().map(|r| r.0 + r.2).fold(i32::MIN, i32::max);
        let bottom = rects.iter().map(|r| r.1 + r.3).fold(i32::MIN, i32::max);
        let takes_in_another = (0..n).any(|v| {
            let tile = &drawing.boxes[v];
            vertices[v].frame.as_deref() != Some(dir.as_str()) && tile.x < right && tile.x + BOX_WIDTH > x && tile.y < bottom && tile.y + BOX_HEIGHT > y
        });
        let label = layout::machine_label(&dir);
        if takes_in_another {
            drawing.frames.extend(rects.into_iter().map(|(x, y, width, height)| Frame { label: label.clone(), x, y, width, height }));
        } else {
            drawing.frames.push(Frame { label, x, y, width: right - x, height: bottom - y });
        }
    }
    drawing.width = FRAME_PAD * 2 + to_i32(columns) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP;
    drawing.height = height + FRAME_PAD;
    drawing
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX / 2)
}

/// How many arrows already end at each box, so their labels stack instead of overlapping.
#[derive(Default)]
struct Slots(HashMap<usize, i32>);

impl Slots {
    fn next(&mut self, target: usize) -> i32 {
        let slot = self.0.entry(target).or_insert(0);
        *slot += 1;
        *slot - 1
    }
}

/// Label lines stacked at one box's side, and their spacing.
const LABEL_LINE: i32 = 11;

/// A curve from the right edge of `from` to the left edge of `to`, labelled just before it
/// arrives (the `slot`-th label at that box); a reference to a box in the same or an earlier
/// column loops out to the right and comes back.
fn arrow(from: &Tile, to: &Tile, slot: i32, edges: Vec<usize>, label: String, status: Status) -> Arrow {
    let (x1, y1) = (from.x + BOX_WIDTH, from.y + BOX_HEIGHT / 2);
    let ends = [-1, 0, 1, -2, 2, -3, 3];
    let shift = ends.get(usize::try_from(slot).unwrap_or(0)).copied().unwrap_or(slot) * 6;
    let (path, label_x, label_y) = if to.x > from.x {
        let (x2, y2) = (to.x, to.y + BOX_HEIGHT / 2 + shift);
        let bend = (x2 - x1) / 2;
        (format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + bend, x2 - bend), x2 - 8, to.y - 3 - slot * LABEL_LINE + BOX_HEIGHT / 2)
    } else {
        let (x2, y2) = (to.x + BOX_WIDTH, to.y + BOX_HEIGHT / 2 + shift);
        let out = x1.max(x2) + 60;
        (format!("M{x1},{y1} C{out},{y1} {out},{y2} {x2},{y2}"), out + 4, (y1 + y2) / 2 + slot * LABEL_LINE)
    };
    Arrow { edges, path, label, label_x, label_y, status }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Report};

    fn graph_of(edges: &[(&str, &str, &str)]) -> Graph {
        let mut report = Report::default();
        report.findings.push(Finding { status: Status::Pass, check: "c".into(), title: String::new(), files: vec![], detail: String::new(), why: "".into() });
        let mut names: Vec<String> = Vec::new();
        let mut id = |n: &str| -> u32 {
            if let Some(i) = names.iter().position(|x| x == n) {
                return i as u32;
            }
            names.push(n.to_owned());
            (names.len() - 1) as u32
        };
        let refs: Vec<_> = edges.iter().map(|(a, k, b)| crate::check::graph::Reference { from: id(a), to: id(b), kind: k.to_string().into(), finding: 0, status: Status::Pass }).collect();
        report.references = crate::check::References { names: names.clone(), edges: refs };
        Graph::new(names.iter().map(String::as_str), &report)
    }

    #[test]
    fn references_point_right_and_boxes_never_overlap() {
        let graph = graph_of(&[
            ("workers/w1/etc/unit", "--kubeconfig", "workers/w1/etc/kc"),
            ("workers/w1/etc/kc", "client-certificate", "workers/w1/etc/crt"),
            ("workers/w1/etc/crt", "signed by", "ca-host/HOME/ca.crt"),
            ("workers/w1/etc/unit", "--tls-cert-file", "workers/w1/etc/crt"),
        ]);
        let drawing = draw(&graph, &View::Machine { dir: "workers/w1".into(), show_writes: false });
        assert_eq!(drawing.boxes.len(), 4);
        assert_eq!(drawing.arrows.len(), 4);
        let at = |id: &str| drawing.boxes.iter().find(|b| b.shape == Shape::Node(graph.find(id).unwrap())).unwrap();
        assert!(at("workers/w1/etc/unit").x < at("workers/w1/etc/kc").x);
        assert!(at("workers/w1/etc/kc").x < at("workers/w1/etc/crt").x);
        assert!(at("workers/w1/etc/crt").x < at("ca-host/HOME/ca.crt").x);
        for (i, a) in drawing.boxes.iter().enumerate() {
            for b in &drawing.boxes[i + 1..] {
                let apart = a.x + BOX_WIDTH <= b.x || b.x + BOX_WIDTH <= a.x || a.y + BOX_HEIGHT <= b.y || b.y + BOX_HEIGHT <= a.y;
                assert!(apart, "{} overlaps {}", a.label, b.label);
            }
            assert!(a.x + BOX_WIDTH <= drawing.width && a.y + BOX_HEIGHT <= drawing.height);
        }
        assert_eq!(drawing.frames.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(), ["CA host", "Worker w1"]);
    }

    #[test]
    fn a_large_cluster_folds_its_workers() {
        let edges: Vec<(String, String)> = (0..1000).map(|i| (format!("workers/worker{i:04}/etc/kc"), "ca-host/HOME/ca.crt".to_owned())).collect();
        let borrowed: Vec<(&str, &str, &str)> = edges.iter().map(|(a, b)| (a.as_str(), "signed by", b.as_str())).collect();
        let graph = graph_of(&borrowed);
        let drawing = draw(&graph, &View::Whole { expanded: Some("workers/worker0500".into()) });
        let machines = drawing.boxes.iter().filter(|b| matches!(b.shape, Shape::Machine(_))).count();
        assert_eq!(machines, WORKERS_SHOWN + 1, "the shown workers and the CA host");
        assert!(drawing.boxes.iter().any(|b| b.shape == Shape::MoreWorkers(1000 - WORKERS_SHOWN - 1)));
        assert!(drawing.boxes.iter().any(|b| b.label == "/etc/kc"), "the expanded worker's file");
        assert!(drawing.boxes.len() < 20);
    }
}
