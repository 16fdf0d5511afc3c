//! "How it fits together": the bundle's reference graph drawn as SVG, one machine at a time or
//! every machine with one expanded; arrows coloured by their check, a file opens its preview, an
//! arrow its check and why it matters. Every box and arrow is a keyboard-operable button.

use std::rc::Rc;

use studio::check::drawing::{self, Arrow, Drawing, Shape, Tile, View, BOX_HEIGHT, BOX_WIDTH};
use studio::check::{Graph, Report, Status};
use studio::Bundle;
use yew::prelude::*;

use crate::components::browser::is_current_profile;
use crate::components::history;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct FitsProps {
    pub dispatch: UseReducerDispatcher<State>,
    pub report: Rc<Report>,
    /// The generated bundle (its files open in the browser, and carry their "since 2016" notes).
    #[prop_or_default]
    pub bundle: Option<Rc<Bundle>>,
    /// An uploaded bundle's file paths.
    #[prop_or_default]
    pub paths: Option<Rc<Vec<String>>>,
    pub id: &'static str,
    pub heading: &'static str,
}

/// What the detail panel shows.
#[derive(Clone, PartialEq)]
enum Focus {
    None,
    Node(usize),
    Arrow(Vec<usize>),
}

/// The whole bundle's entry in the machine list.
const WHOLE: &str = "(whole bundle)";

fn status_class(status: Option<Status>) -> &'static str {
    status.map_or("unjudged", Status::name)
}

/// A box's two lines: the file's name, and the folder it is in (its end, where long).
fn lines(label: &str) -> (String, String) {
    const MOST: usize = 34;
    let (dir, name) = match label.rsplit_once('/') {
        Some((dir, name)) if !label.contains("://") && !name.is_empty() => (format!("{dir}/"), name.to_owned()),
        _ => (String::new(), label.to_owned()),
    };
    let shorten = |text: &str| {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() <= MOST { text.to_owned() } else { format!("…{}", chars[chars.len() - (MOST - 1)..].iter().collect::<String>()) }
    };
    (shorten(&name), shorten(&dir))
}

/// Enter and Space press a focused box or arrow, as they do a button.
fn on_activate(callback: Callback<()>) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let click = {
        let callback = callback.clone();
        Callback::from(move |_| callback.emit(()))
    };
    let key = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            callback.emit(());
        }
    });
    (click, key)
}

#[function_component(FitsTogether)]
pub fn fits_together(props: &FitsProps) -> Html {
    let open = use_state(|| false);
    let machine = use_state(|| None::<String>);
    let show_writes = use_state(|| false);
    let focus = use_state(|| Focus::None);
    // The graph is built only once the view is opened, and again only for another bundle.
    let source = (Rc::as_ptr(&props.report) as usize, props.bundle.as_ref().map_or(0, |b| Rc::as_ptr(b) as usize));
    let graph = {
        let (report, bundle, paths, open) = (props.report.clone(), props.bundle.clone(), props.paths.clone(), *open);
        use_memo((source, open), move |_| {
            open.then(|| {
                let paths: Vec<String> = match (&bundle, &paths) {
                    (Some(bundle), _) => bundle.artifacts.iter().map(|a| a.zip_path()).collect(),
                    (None, Some(paths)) => paths.as_ref().clone(),
                    (None, None) => Vec::new(),
                };
                Rc::new(Graph::new(paths.iter().map(String::as_str), &report))
            })
        })
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let body = graph.as_ref().as_ref().map(|graph| {
        let machines: Vec<String> = graph.machines().into_iter().filter(|g| !g.outside && !g.dir.is_empty()).map(|g| g.dir.to_owned()).collect();
        let chosen = (*machine).clone().or_else(|| machines.iter().find(|d| d.starts_with("workers/")).cloned()).unwrap_or_else(|| WHOLE.to_owned());
        let view = if chosen == WHOLE { View::Whole { expanded: None } } else { View::Machine { dir: chosen.clone(), show_writes: *show_writes } };
        let picture = drawing::draw(graph, &view);
        let pick = {
            let (machine, focus) = (machine.clone(), focus.clone());
            Callback::from(move |e: Event| {
                machine.set(Some(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()));
                focus.set(Focus::None);
            })
        };
        let writes = {
            let show_writes = show_writes.clone();
            Callback::from(move |_| show_writes.set(!*show_writes))
        };
        let select_id = format!("{}-machine", props.id);
        let writes_id = format!("{}-writes", props.id);
        html! {
            <>
                <div class="fits-controls">
                    <label for={select_id.clone()}>{ "Machine" }</label>
                    <select id={select_id} onchange={pick}>
                        <option value={WHOLE} selected={chosen == WHOLE}>{ "The whole bundle, machine by machine" }</option>
                        { for machines.iter().map(|dir| html! {
                            <option value={dir.clone()} selected={*dir == chosen}>{ studio::bundle::layout::machine_label(dir) }</option>
                        }) }
                    </select>
                    if chosen != WHOLE {
                        <label class="check" for={writes_id.clone()}>
                            <input type="checkbox" id={writes_id} checked={*show_writes} onchange={writes} />
                            { " Show what install.sh writes" }
                        </label>
                    }
                </div>
                { svg(props, graph, &picture, &focus, &machine) }
                { detail(props, graph, &focus) }
            </>
        }
    });
    let panel_id = format!("{}-panel", props.id);
    html! {
        <section class="fits" id={props.id} aria-label={props.heading}>
            <h2>{ props.heading }</h2>
            <p class="note">{ "Every file, and every reference between files the checks followed: the kubelet's unit to its kubeconfig, its certificate and the CA; clusterDNS to the DNS Service; the API front to the API servers. Green passed, amber warned (dashed), red failed (bold). Choose a file to open it, an arrow to read its check." }</p>
            <button type="button" class="toggle-fits" aria-expanded={open.to_string()} aria-controls={panel_id.clone()} onclick={toggle}>
                { if *open { "Hide the picture" } else { "Show how the files fit together" } }
            </button>
            <div id={panel_id}>{ body.unwrap_or_default() }</div>
        </section>
    }
}

fn svg(props: &FitsProps, graph: &Rc<Graph>, picture: &Drawing, focus: &UseStateHandle<Focus>, machine: &UseStateHandle<Option<String>>) -> Html {
    let marker = |status: Status| format!("{}-head-{}", props.id, status.name());
    let frames = picture.frames.iter().map(|f| {
        html! {
            <g class="frame">
                <rect x={f.x.to_string()} y={f.y.to_string()} width={f.width.to_string()} height={f.height.to_string()} rx="6" />
                <text x={(f.x + 6).to_string()} y={(f.y + 14).to_string()}>{ &f.label }</text>
            </g>
        }
    });
    let arrows = picture.arrows.iter().map(|a| arrow(graph, a, focus, &marker(a.status)));
    let labels = picture.arrows.iter().map(|a| arrow_label(a, focus));
    let tiles = picture.boxes.iter().map(|t| tile(props, graph, t, focus, machine));
    html! {
        <div class="fits-canvas">
            <svg width={picture.width.to_string()} height={picture.height.to_string()} viewBox={format!("0 0 {} {}", picture.width, picture.height)}
                role="group" aria-label="Files and references">
                <defs>
                    { for [Status::Pass, Status::Warn, Status::Fail].into_iter().map(|s| html! {
                        <marker id={marker(s)} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path class={classes!("head", s.name())} d="M0,0 L10,5 L0,10 z" />
                        </marker>
                    }) }
                </defs>
                { for frames }
                { for arrows }
                { for labels }
                { for tiles }
            </svg>
        </div>
    }
}

fn arrow(graph: &Rc<Graph>, a: &Arrow, focus: &UseStateHandle<Focus>, marker: &str) -> Html {
    let describe = |e: usize| {
        let edge = &graph.edges[e];
        format!("{} {} {}", graph.nodes[edge.from].label, edge.kind, graph.nodes[edge.to].label)
    };
    let label = match a.edges.as_slice() {
        [one] => format!("{}: {}", describe(*one), a.status.name()),
        many => format!("{} references: {}", many.len(), a.status.name()),
    };
    let current = **focus == Focus::Arrow(a.edges.clone());
    let (click, key) = {
        let (focus, edges) = (focus.clone(), a.edges.clone());
        on_activate(Callback::from(move |()| focus.set(Focus::Arrow(edges.clone()))))
    };
    html! {
        <g class={classes!("arrow", a.status.name(), current.then_some("current"))} tabindex="0" role="button" aria-label={label.clone()}
            aria-pressed={current.to_string()} onclick={click} onkeydown={key}>
            <title>{ label }</title>
            <path class="hit" d={a.path.clone()} />
            <path class="line" d={a.path.clone()} marker-end={format!("url(#{marker})")} />
        </g>
    }
}

/// An arrow's label, drawn above every arrow so it stays readable and clickable; the arrow
/// itself is the keyboard's and the screen reader's button.
fn arrow_label(a: &Arrow, focus: &UseStateHandle<Focus>) -> Html {
    let (focus, edges) = (focus.clone(), a.edges.clone());
    let click = Callback::from(move |_: MouseEvent| focus.set(Focus::Arrow(edges.clone())));
    html! {
        <text class={classes!("arrow-label", a.status.name())} x={a.label_x.to_string()} y={a.label_y.to_string()} text-anchor="end"
            aria-hidden="true" onclick={click}>{ &a.label }</text>
    }
}

fn tile(props: &FitsProps, graph: &Rc<Graph>, t: &Tile, focus: &UseStateHandle<Focus>, machine: &UseStateHandle<Option<String>>) -> Html {
    let (label, activate, current) = match &t.shape {
        Shape::Node(n) => {
            let current = **focus == Focus::Node(*n);
            let node = &graph.nodes[*n];
            let what = if t.missing { "missing file" } else if t.outside { "outside the bundle" } else { "file" };
            // The name starts with the words the box shows, as assistive technology expects.
            let (name, dir) = lines(&node.label);
            let shown = if dir.is_empty() { name } else { format!("{name} {dir}") };
            let label = format!("{shown} ({what}, {}): {}", studio::bundle::layout::machine_label(&node.machine), status_class(node.status));
            let (focus, dispatch, id, n) = (focus.clone(), props.dispatch.clone(), node.id.clone(), *n);
            let opens = !t.missing && !t.outside && props.bundle.is_some();
            let activate = Callback::from(move |()| {
                focus.set(Focus::Node(n));
                if opens {
                    dispatch.dispatch(Action::Select(id.clone()));
                }
            });
            (label, activate, current)
        }
        Shape::Machine(dir) => {
            let (machine, focus, dir) = (machine.clone(), focus.clone(), dir.clone());
            let activate = Callback::from(move |()| {
                machine.set(Some(dir.clone()));
                focus.set(Focus::None);
            });
            (format!("{}: {}; open its files", t.label, status_class(t.status)), activate, false)
        }
        Shape::MoreWorkers(_) => {
            let select = format!("{}-machine", props.id);
            let activate = Callback::from(move |()| crate::platform::focus(&select));
            (format!("{}: {}; choose one in the machine list", t.label, status_class(t.status)), activate, false)
        }
    };
    let (click, key) = on_activate(activate);
    let (name, dir) = lines(&t.label);
    html! {
        <g class={classes!("tile", status_class(t.status), t.missing.then_some("missing"), t.outside.then_some("outside"), current.then_some("current"))}
            tabindex="0" role="button" aria-label={label.clone()} aria-pressed={current.to_string()} onclick={click} onkeydown={key}>
            <title>{ label }</title>
            <rect x={t.x.to_string()} y={t.y.to_string()} width={BOX_WIDTH.to_string()} height={BOX_HEIGHT.to_string()} rx="4" />
            if dir.is_empty() {
                <text x={(t.x + 8).to_string()} y={(t.y + BOX_HEIGHT / 2 + 4).to_string()} class="name">{ name }</text>
            } else {
                <text x={(t.x + 8).to_string()} y={(t.y + 15).to_string()} class="name">{ name }</text>
                <text x={(t.x + 8).to_string()} y={(t.y + 29).to_string()} class="dir">{ dir }</text>
            }
        </g>
    }
}

/// The chosen file's references and notes, or the chosen arrow's checks.
fn detail(props: &FitsProps, graph: &Rc<Graph>, focus: &UseStateHandle<Focus>) -> Html {
    let report = &props.report;
    let finding_item = |e: usize| {
        let edge = &graph.edges[e];
        let finding = report.findings.get(edge.finding);
        html! {
            <li class={classes!("finding", edge.status.name())}>
                <span class="badge">{ edge.status.label() }</span>{ " " }
                <code>{ &graph.nodes[edge.from].label }</code>{ format!(" {} ", edge.kind) }<code>{ &graph.nodes[edge.to].label }</code>
                if let Some(f) = finding {
                    <p><strong>{ &f.title }</strong>if !f.detail.is_empty() { { format!(": {}", f.detail) } }</p>
                    <p class="note">{ format!("Why it matters: {}", f.why) }</p>
                }
            </li>
        }
    };
    let content = match &**focus {
        Focus::None => html! { <p class="note">{ "Choose a file or an arrow." }</p> },
        Focus::Arrow(edges) => html! {
            <ul class="fits-findings">{ for edges.iter().take(50).map(|&e| finding_item(e)) }</ul>
        },
        Focus::Node(n) => {
            let node = &graph.nodes[*n];
            let out: Vec<usize> = (0..graph.edges.len()).filter(|&e| graph.edges[e].from == *n).collect();
            let into: Vec<usize> = (0..graph.edges.len()).filter(|&e| graph.edges[e].to == *n).collect();
            let topic = props.bundle.as_ref().and_then(|b| b.find(&node.id)).and_then(|a| a.topic);
            let current = props.bundle.as_deref().is_some_and(is_current_profile);
            html! {
                <>
                    <h3>{ &node.label }<span class="note">{ format!(" — {}", studio::bundle::layout::machine_label(&node.machine)) }</span></h3>
                    if node.kind == studio::check::graph::NodeKind::Missing { <p class="error">{ "This file is named but not in the bundle." }</p> }
                    <h4>{ format!("Refers to ({})", out.len()) }</h4>
                    <ul class="fits-findings">{ for out.iter().take(50).map(|&e| finding_item(e)) }</ul>
                    <h4>{ format!("Referred to by ({})", into.len()) }</h4>
                    <ul class="fits-findings">{ for into.iter().take(50).map(|&e| finding_item(e)) }</ul>
                    if into.len() > 50 { <p class="note">{ format!("…and {} more", into.len() - 50) }</p> }
                    { topic.filter(|_| current).map(history::for_topic).unwrap_or_default() }
                </>
            }
        }
    };
    html! { <div class="fits-detail" aria-live="polite">{ content }</div> }
}
