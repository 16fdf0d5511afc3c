//! The artifact browser: machines, their files, a preview with its note, copy and download.

use std::collections::HashMap;
use std::rc::Rc;

use studio::{Bundle, Machine};
use yew::prelude::*;

use crate::components::history;
use crate::background;
use crate::platform;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct BrowserProps {
    pub bundle: Rc<Bundle>,
    /// The zip path of the file previewed.
    pub selected: Option<String>,
    pub dispatch: UseReducerDispatcher<State>,
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

/// Whether a bundle's README names the current profile (whose files carry "since 2016" notes).
pub fn is_current_profile(bundle: &Bundle) -> bool {
    bundle
        .find(studio::bundle::layout::README)
        .and_then(|readme| studio::bundle::layout::read_readme_header(readme.content.lines().next()?))
        .is_some_and(|(profile, _)| profile == studio::release::ProfileId::Current)
}

/// One machine of the bundle: its label in lower case (what the filter matches) and the indices of
/// its artifacts.
struct MachineFiles {
    machine: Machine,
    label: String,
    indices: Vec<usize>,
}

/// The bundle's machines in the bundle's order: built once per bundle, in a task of its own after
/// the results' first paint, since a large cluster has tens of thousands of files and each panel
/// would otherwise scan them all.
fn by_machine(bundle: &Bundle) -> Vec<MachineFiles> {
    let mut slots: HashMap<&Machine, usize> = HashMap::new();
    let mut machines: Vec<MachineFiles> = Vec::new();
    let mut slot = 0;
    for (i, artifact) in bundle.artifacts.iter().enumerate() {
        // A machine's files mostly come together: look it up only when the machine changes.
        if machines.get(slot).is_none_or(|m| m.machine != artifact.machine) {
            slot = *slots.entry(&artifact.machine).or_insert_with(|| {
                let label = artifact.machine.label().to_ascii_lowercase();
                machines.push(MachineFiles { machine: artifact.machine.clone(), label, indices: Vec::new() });
                machines.len() - 1
            });
        }
        machines[slot].indices.push(i);
    }
    machines
}

/// A previewed file's line count and where its first [`PREVIEW_LINES`] end, read once per file.
fn preview_extent(content: &str) -> (usize, usize) {
    let lines = content.bytes().filter(|&b| b == b'\n').count() + usize::from(!content.is_empty() && !content.ends_with('\n'));
    let head = content.match_indices('\n').nth(PREVIEW_LINES - 1).map_or(content.len(), |(end, _)| end + 1);
    (lines, head)
}

/// Machine panels shown at once; a large cluster is found through the filter.
const SHOWN: usize = 24;

/// Machine panels a new bundle adds per frame.
const PANELS_PER_FRAME: usize = 4;

/// Files a machine panel lists until asked for all (a large cluster's CA host holds a signing
/// script per worker).
const FILES_SHOWN: usize = 40;

/// Lines of a file the preview shows until asked for all.
const PREVIEW_LINES: usize = 400;

#[function_component(Browser)]
pub fn browser(props: &BrowserProps) -> Html {
    let bundle = props.bundle.clone();
    let selected = props.selected.clone();
    let query = use_state(String::new);
    let bundle_id = Rc::as_ptr(&bundle) as usize;
    // The machine index of a new bundle is built the frame after the results first show; it keeps
    // the bundle it is of, so no later bundle can take that one's address.
    let index = use_state(|| None::<(Rc<Bundle>, Rc<Vec<MachineFiles>>)>);
    {
        let (index, bundle) = (index.clone(), bundle.clone());
        use_effect_with(bundle_id, move |_| {
            if index.as_ref().is_none_or(|(of, _)| !Rc::ptr_eq(of, &bundle)) {
                wasm_bindgen_futures::spawn_local(async move {
                    // In a task after the results' frame, so its frame lays out only what it adds.
                    platform::next_frame().await;
                    platform::next_task().await;
                    let machines = Rc::new(by_machine(&bundle));
                    index.set(Some((bundle, machines)));
                });
            }
        });
    }
    let indexed = index.as_ref().filter(|(of, _)| Rc::ptr_eq(of, &bundle));
    let all: Rc<Vec<MachineFiles>> = indexed.map(|(_, all)| all.clone()).unwrap_or_default();
    let wanted = query.trim().to_ascii_lowercase();
    let matching = {
        let (all, wanted) = (all.clone(), wanted.clone());
        // Keyed by the bundle the index is of (none before it is built), which props keep alive.
        use_memo((indexed.map(|(of, _)| Rc::as_ptr(of) as usize), wanted), move |(_, wanted)| {
            all.iter().enumerate().filter(|(_, m)| wanted.is_empty() || m.label.contains(wanted.as_str())).map(|(i, _)| i).collect::<Vec<usize>>()
        })
    };
    // A new bundle's panels come a few per frame, so laying out hundreds of files never holds the
    // page up in one task.
    let growing = use_state(|| (0usize, PANELS_PER_FRAME));
    let panels = if growing.0 == bundle_id { growing.1 } else { PANELS_PER_FRAME };
    {
        let growing = growing.clone();
        let ready = indexed.is_some();
        use_effect_with((bundle_id, panels, ready), move |&(bundle_id, panels, ready)| {
            if ready && panels < SHOWN {
                wasm_bindgen_futures::spawn_local(async move {
                    platform::next_frame().await;
                    growing.set((bundle_id, (panels + PANELS_PER_FRAME).min(SHOWN)));
                });
            } else if ready && growing.0 != bundle_id {
                growing.set((bundle_id, panels));
            }
        });
    }
    let machines: Vec<&MachineFiles> = matching.iter().take(panels).map(|&i| &all[i]).collect();
    let on_query = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    let now = platform::now();
    let opened = use_state(Vec::<Machine>::new);
    let zip_error = use_state(|| None::<String>);
    let machine_panel = |MachineFiles { machine, indices, .. }: &MachineFiles| {
        let artifacts = || indices.iter().map(|&i| &bundle.artifacts[i]);
        let count = indices.len();
        let listed = if opened.contains(machine) { count } else { count.min(FILES_SHOWN) };
        let show_all = (listed < count).then(|| {
            let opened = opened.clone();
            let machine = machine.clone();
            let label = format!("Show all {count} files of {}", machine.label());
            let open = Callback::from(move |_| opened.set(opened.iter().cloned().chain([machine.clone()]).collect()));
            html! { <button type="button" class="show-all" onclick={open}>{ label }</button> }
        });
        let files = artifacts().take(listed).map(|artifact| {
            let path = artifact.zip_path();
            let d = props.dispatch.clone();
            let select = {
                let path = path.clone();
                Callback::from(move |_| d.dispatch(Action::Select(path.clone())))
            };
            let current = selected.as_deref() == Some(path.as_str());
            html! {
                <li>
                    <button type="button" class={classes!("file", current.then_some("current"))} onclick={select}
                        aria-pressed={current.to_string()}>
                        <span class="mode">{ format!("{:04o}", artifact.mode) }</span>{ " " }{ artifact.location.display() }
                    </button>
                </li>
            }
        });
        let download_machine = {
            let bundle = bundle.clone();
            let machine = machine.clone();
            let indices = indices.clone();
            let zip_error = zip_error.clone();
            Callback::from(move |_| {
                let artifacts = indices.iter().map(|&i| bundle.artifacts[i].clone()).collect();
                let name = format!("{}.zip", machine.dir().replace('/', "-"));
                let name = if name == ".zip" { "bundle-readme.zip".to_owned() } else { name };
                let (label, zip_error) = (machine.label(), zip_error.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let saved = background::zip(artifacts, now).await.and_then(|zip| platform::download_blob(&name, &zip));
                    zip_error.set(saved.err().map(|e| format!("{label}'s files were not zipped: {e}")));
                });
            })
        };
        let copy_install = match machine {
            Machine::Worker(_) => {
                let script = artifacts().find(|a| a.location.display() == studio::bundle::layout::INSTALL).map(|a| a.content.clone());
                script.map(|text| {
                    let copy = Callback::from(move |_| platform::copy(&text));
                    html! { <button type="button" onclick={copy}>{ format!("Copy {}'s install.sh", machine.label().trim_start_matches("Worker ")) }</button> }
                })
            }
            _ => None,
        };
        html! {
            <section class="machine" aria-label={machine.label()}>
                <h3>{ machine.label() }</h3>
                <ul>{ for files }</ul>
                { show_all.unwrap_or_default() }
                <div class="machine-actions">
                    <button type="button" onclick={download_machine}>{ format!("Download {} files", machine.label()) }</button>
                    { copy_install.unwrap_or_default() }
                </div>
            </section>
        }
    };
    let current_profile = is_current_profile(&bundle);
    let whole = use_state(|| None::<String>);
    let found = selected.as_deref().and_then(|path| bundle.artifacts.iter().position(|a| a.is_at(path)));
    // A long file (a large cluster's README lists every file) previews its head; laying out ten
    // thousand lines would hold the page up. Its extent is read once per file.
    let extent = {
        let bundle = bundle.clone();
        use_memo((bundle_id, found), move |&(_, found)| found.map(|i| preview_extent(&bundle.artifacts[i].content)))
    };
    let preview = found.zip(*extent).map(|(i, (lines, head))| {
        let artifact = &bundle.artifacts[i];
        let since = artifact.topic.filter(|_| current_profile).map(history::for_topic);
        let path = artifact.zip_path();
        let shown = if whole.as_deref() == Some(path.as_str()) { artifact.content.as_str() } else { &artifact.content[..head] };
        let show_all = (shown.len() < artifact.content.len()).then(|| {
            let whole = whole.clone();
            let path = path.clone();
            let expand = Callback::from(move |_| whole.set(Some(path.clone())));
            html! {
                <p class="note">
                    { format!("Showing the first {PREVIEW_LINES} of {lines} lines (Copy and Download take the whole file). ") }
                    <button type="button" id="preview-all" onclick={expand}>{ format!("Show all {lines} lines") }</button>
                </p>
            }
        });
        // The callbacks hold the bundle, not copies of a file that may be megabytes long.
        let copy = {
            let bundle = bundle.clone();
            Callback::from(move |_| platform::copy(&bundle.artifacts[i].content))
        };
        let name = file_name(&path);
        let download = {
            let bundle = bundle.clone();
            Callback::from(move |_| {
                let _ = platform::download(&name, "text/plain", bundle.artifacts[i].content.as_bytes());
            })
        };
        html! {
            <article class="preview" aria-label="Preview">
                <header>
                    <h3>{ artifact.zip_path() }</h3>
                    <p class="note">{ &artifact.note }</p>
                    <button type="button" onclick={copy}>{ "Copy" }</button>
                    <button type="button" onclick={download}>{ "Download file" }</button>
                </header>
                <pre tabindex="0">{ shown }</pre>
                { show_all.unwrap_or_default() }
                { since.unwrap_or_default() }
            </article>
        }
    });
    html! {
        <div class="browser">
            <nav class="machines" aria-label="Machines and files">
                if all.len() > SHOWN {
                    <div class="field">
                        <label for="machine-filter">{ "Find a machine" }</label>
                        <input type="text" id="machine-filter" value={(*query).clone()} oninput={on_query} placeholder="worker042" />
                        <p class="note" id="machine-count">{ format!("Showing {} of {} matching machines ({} in all).", machines.len(), matching.len(), all.len()) }</p>
                    </div>
                }
                if let Some(message) = (*zip_error).clone() { <p class="error" role="alert">{ message }</p> }
                { for machines.iter().map(|entry| machine_panel(entry)) }
            </nav>
            { preview.unwrap_or_default() }
        </div>
    }
}
