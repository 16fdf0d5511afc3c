//! The page: the form on the left, generation and the artifact browser on the right.

use std::rc::Rc;

use studio::{RenderOptions, SpecFile};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::components::browser::Browser;
use crate::components::checks::Checks;
use crate::components::timings::TimeSpent;
use crate::components::history::SinceGuide;
use crate::components::sign::SignCsr;
use crate::components::form::FieldGroup;
use crate::components::fits::FitsTogether;
use crate::components::front::{CertificateCheck, FrontHosts};
use crate::components::workers::Workers;
use crate::fields::{input_id, Group};
use crate::background;
use crate::keygen::{self, Keys};
use crate::platform;
use crate::stock;
use crate::timing::Trace;
use crate::state::{Action, Examined, Generated, KeyPlan, Progress, State, UploadedBundle, STORAGE_KEY, UNREADABLE_KEY};

/// Takes the fresh keys the run needs from the stock (most made while the form was open; RSA from
/// WebCrypto, the rest from the pool of engine workers), then the engine signs, renders, checks and
/// zips the bundle in the background. `plan` is the form's key plan against `known`; `trace`
/// started at the click.
async fn generate(project: SpecFile, plan: Rc<KeyPlan>, known: Rc<Keys>, include_ca_key: bool, mut trace: Trace, dispatch: UseReducerDispatcher<State>) {
    let now = platform::now();
    let KeyPlan { requests, missing } = &*plan;
    let fail = |e: String| Action::Progress(if e == keygen::CANCELLED { Progress::Cancelled } else { Progress::Failed(e) });
    let mut keys = Keys::default();
    for request in requests {
        if let Some(key) = known.get(request) {
            keys.insert(request.id.clone(), key.clone());
        }
    }
    let progress = |done, total| dispatch.dispatch(Action::Progress(Progress::Keys { done, total }));
    let (fresh, made_ahead) = match stock::take(missing, progress).await {
        Ok(taken) => taken,
        Err(e) => return dispatch.dispatch(fail(e)),
    };
    keys.extend(&fresh);
    trace.lap("keys");
    // Kept at once: a run cancelled later still leaves these keys for the next.
    dispatch.dispatch(Action::KeysReady(Rc::new(keys.clone())));
    if keygen::cancelled() {
        return dispatch.dispatch(Action::Progress(Progress::Cancelled));
    }
    dispatch.dispatch(Action::Progress(Progress::Signing));
    match background::generate(&project, requests, &keys, RenderOptions { now, include_ca_key }, &mut trace).await {
        // A cancel while the reply was being read still counts.
        Ok(_) if keygen::cancelled() => dispatch.dispatch(Action::Progress(Progress::Cancelled)),
        Ok(background::Output { bundle, zip, checks }) => {
            let made = missing.len();
            let millis = trace.total();
            dispatch.dispatch(Action::Generated(Box::new(Generated {
                project,
                bundle: Rc::new(bundle),
                zip,
                checks: Rc::new(checks),
                made,
                made_ahead,
                reused: requests.len() - made,
                millis,
            })));
            // The results' first paint ends the trace: a frame, then the task after it.
            platform::next_frame().await;
            platform::next_task().await;
            trace.lap("show");
            dispatch.dispatch(Action::Traced(Rc::new(trace)));
        }
        Err(e) => dispatch.dispatch(fail(e)),
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::load(platform::load(STORAGE_KEY), platform::now()));
    // A saved project that could not be read is kept under a key of its own before anything is
    // saved; an older studio saved YAML, which the engine reads.
    use_effect_with((), {
        let unreadable = state.unreadable.clone();
        let d = state.dispatcher();
        move |()| {
            if let Some((text, _)) = unreadable {
                // Where the browser refuses, the text is still on the page to copy.
                let _ = platform::save(UNREADABLE_KEY, &text);
                spawn_local(async move {
                    if let Ok(file) = background::read_project(text).await {
                        d.dispatch(Action::Restored(file));
                    }
                });
            }
        }
    });
    // The project (never the CA key) is saved in this browser whenever it changes.
    use_effect_with(state.kept(), {
        let d = state.dispatcher();
        let had_failed = state.not_saved.is_some();
        move |kept: &studio::SpecFile| {
            let saved = kept.to_json().map_err(|e| e.to_string()).and_then(|text| platform::save(STORAGE_KEY, &text));
            if saved.is_err() || had_failed {
                d.dispatch(Action::NotSaved(saved.err()));
            }
        }
    });
    let include_ca_key = use_state(|| false);
    let project_text = use_state(String::new);
    use_effect_with((), |()| background::warm_up());
    // What the next run needs, once per spec and keys; its fresh keys are made ahead, bound to no
    // role until the run takes them.
    let key_plan = {
        let state = state.clone();
        use_memo((state.spec.clone(), state.keys.clone()), move |_| state.key_plan())
    };
    use_effect_with(key_plan.clone(), |plan: &Rc<Option<Rc<KeyPlan>>>| {
        if let Some(plan) = plan.as_ref() {
            stock::prepare(&plan.missing);
        }
    });
    // An imported CA is examined by the engine, off the page; its verdict joins the form's errors.
    use_effect_with(state.ca_to_examine(), {
        let d = state.dispatcher();
        move |texts: &Option<(String, String)>| {
            if let Some((certificate, key)) = texts.clone() {
                spawn_local(async move {
                    let now = platform::now();
                    let verdict = background::examine_ca(&certificate, &key, now).await;
                    d.dispatch(Action::CaExamined(Rc::new(Examined { certificate, key, now, verdict })));
                });
            }
        }
    });

    let on_generate = {
        let state = state.clone();
        let include = *include_ca_key;
        let key_plan = key_plan.clone();
        Callback::from(move |_| {
            // The plan of the spec and keys on screen: there is one while the form is valid.
            let Some(plan) = (*key_plan).clone() else { return };
            if state.generating() {
                return;
            }
            let trace = Trace::start();
            keygen::reset_cancel();
            // Synchronously, so the old zip's button is gone before this click returns.
            state.dispatch(Action::Progress(Progress::Keys { done: 0, total: 0 }));
            spawn_local(generate(state.file.clone(), plan, state.keys.clone(), include, trace, state.dispatcher()));
        })
    };
    let cancel = Callback::from(|_| {
        keygen::cancel();
        stock::cancel();
        background::cancel();
    });
    let forget_keys = {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(Action::ForgetKeys))
    };
    let toggle_ca_key = {
        let include_ca_key = include_ca_key.clone();
        Callback::from(move |_| include_ca_key.set(!*include_ca_key))
    };
    let download_zip = {
        let zip = state.zip.clone();
        Callback::from(move |_| {
            if let Some(zip) = &zip {
                let _ = platform::download_blob("worker-studio-bundle.zip", zip);
            }
        })
    };
    let save_project = {
        let kept = state.kept();
        let d = state.dispatcher();
        Callback::from(move |_| {
            let (kept, d) = (kept.clone(), d.clone());
            spawn_local(async move {
                let saved = background::write_project(&kept).await.and_then(|text| platform::download("cluster.yaml", "application/yaml", text.as_bytes()));
                if let Err(e) = saved {
                    d.dispatch(Action::NotSaved(Some(format!("the project file was not downloaded: {e}"))));
                }
            });
        })
    };
    let project_input = {
        let project_text = project_text.clone();
        Callback::from(move |e: InputEvent| project_text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let load_project = {
        let d = state.dispatcher();
        let project_text = project_text.clone();
        Callback::from(move |_| {
            let (d, text) = (d.clone(), (*project_text).clone());
            spawn_local(async move { d.dispatch(Action::LoadProject(background::read_project(text).await)) });
        })
    };
    let load_project_file = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            let d = d.clone();
            platform::read_first_file(e.target_unchecked_into::<web_sys::HtmlInputElement>().files(), move |text| {
                spawn_local(async move { d.dispatch(Action::LoadProject(background::read_project(text).await)) });
            });
        })
    };
    let check_upload = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            let d = d.clone();
            platform::read_first_file_bytes(e.target_unchecked_into::<web_sys::HtmlInputElement>().files(), move |bytes| {
                spawn_local(async move {
                    let checked = background::check_bundle(bytes, platform::now()).await;
                    d.dispatch(Action::Uploaded(checked.map(|(report, paths)| UploadedBundle { report: Rc::new(report), paths: Rc::new(paths) })));
                });
            });
        })
    };
    let reset = {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(Action::Reset))
    };

    let reset_label = if state.file.profile == "current" { "Reset to the current profile's defaults" } else { "Reset to the guide's example" };
    let error_count = state.errors.len();
    let status = match &state.progress {
        Progress::Idle => html! {},
        Progress::Keys { done, total } => html! {
            <p role="status"><progress max={total.to_string()} value={done.to_string()} />{ format!(" {done} of {total} keys made…") }</p>
        },
        Progress::Signing => html! { <p role="status">{ "Signing, rendering and checking in the background…" }</p> },
        Progress::Cancelled => html! { <p role="status">{ "Cancelled; nothing was generated." }</p> },
        Progress::Failed(message) => html! { <p role="alert" class="error">{ format!("Not generated: {message}") }</p> },
        Progress::Done { millis, made, made_ahead, reused, trace } => html! {
            <>
                <p role="status" id="generated-status">
                    { format!("Generated in {} ms: {made} new key(s), {reused} reused.", millis.round() as u64) }
                    if *made_ahead > 0 { { format!(" {made_ahead} of the new keys were made while the form was open.") } }
                </p>
                if let Some(trace) = trace { <TimeSpent trace={trace.clone()} /> }
            </>
        },
    };
    html! {
        <>
            <header class="top">
                <h1>{ "Worker Studio" }</h1>
                <p>{ "Keys, certificates, kubeconfigs, units and install scripts for Kubernetes worker nodes, made in your browser. Nothing leaves this page." }</p>
            </header>
            <main>
                <form class="spec" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())} aria-label="Cluster parameters">
                    <FieldGroup group={Group::Profile} state={state.clone()} />
                    <FieldGroup group={Group::Cluster} state={state.clone()} />
                    <Workers workers={state.file.workers.clone()} dispatch={state.dispatcher()}
                        errors={state.errors_under("workers")} />
                    <FieldGroup group={Group::Front} state={state.clone()}>
                        <FrontHosts front={state.file.api_front.clone()} errors={state.errors_under("apiFront.")}
                            endpoint={state.spec.as_deref().map(|spec| spec.cluster.api_server.to_string())} dispatch={state.dispatcher()} />
                    </FieldGroup>
                    <FieldGroup group={Group::Authority} state={state.clone()} />
                    <FieldGroup group={Group::Keys} state={state.clone()} />
                    <FieldGroup group={Group::Advanced} state={state.clone()} />
                    if let Some((text, why)) = &state.unreadable {
                        <div class="error" role="alert" id="unreadable-project">
                            <p>{ format!("The project saved in this browser could not be read ({why}); the guide's example is loaded instead. Its text is below to copy, and kept in this browser under {UNREADABLE_KEY}.") }</p>
                            <textarea readonly=true rows="6" spellcheck="false" aria-label="The saved project that could not be read" value={text.clone()} />
                        </div>
                    }
                    if let Some(why) = &state.not_saved {
                        <p class="error" role="alert">{ format!("Not saved in this browser: {why}") }</p>
                    }
                    <details class="group">
                        <summary>{ "Project file" }</summary>
                        <button type="button" onclick={save_project}>{ "Save project (YAML)" }</button>
                        <div class="field">
                            <label for="project-yaml">{ "Paste a project file to load it" }</label>
                            <textarea id="project-yaml" rows="6" spellcheck="false" value={(*project_text).clone()} oninput={project_input} />
                            <button type="button" onclick={load_project}>{ "Load project" }</button>
                            <label class="file-pick" for="project-file">{ "…or load a project file" }</label>
                            <input type="file" id="project-file" accept=".yaml,.yml,text/yaml" onchange={load_project_file} />
                            <button type="button" onclick={reset}>{ reset_label }</button>
                        </div>
                        if let Some(message) = &state.load_error { <p class="error" role="alert">{ message }</p> }
                    </details>
                    <SignCsr state={state.clone()} />
                    <CertificateCheck state={state.clone()} />
                    <details class="group">
                        <summary>{ "Check an existing bundle" }</summary>
                        <div class="field">
                            <label for="check-upload">{ "Bundle zip to check (laid out like the studio's)" }</label>
                            <input type="file" id="check-upload" accept=".zip,application/zip" onchange={check_upload} />
                        </div>
                        if let Some(Err(message)) = &state.uploaded { <p class="error" role="alert">{ format!("Not checked: {message}") }</p> }
                    </details>
                </form>
                <section class="output" aria-label="Generate">
                    <div class="generate">
                        <label class="check">
                            <input type="checkbox" id="include-ca-key" checked={*include_ca_key} onchange={toggle_ca_key} />
                            { " Include the generated CA key (ca-host/HOME/ca.key)" }
                        </label>
                        <button type="button" id="generate" class="primary" onclick={on_generate}
                            disabled={error_count > 0 || state.generating()}>{ "Generate" }</button>
                        if state.generating() {
                            <button type="button" id="cancel" onclick={cancel}>{ "Cancel" }</button>
                        }
                        if error_count > 0 {
                            <div class="error" id="error-summary" role="alert">
                                <p>{ format!("{error_count} field(s) need attention before generating:") }</p>
                                <ul>
                                    { for state.errors.iter().take(12).map(|(path, message)| {
                                        let id = input_id(path);
                                        let target = id.clone();
                                        let focus = Callback::from(move |e: MouseEvent| {
                                            e.prevent_default();
                                            platform::focus(&target);
                                        });
                                        html! {
                                            <li><a href={format!("#{id}")} onclick={focus}>{ path.clone() }</a>{ format!(": {message}") }</li>
                                        }
                                    }) }
                                </ul>
                            </div>
                        }
                        { status }
                        if state.stale { <p class="note">{ "Parameters changed since this bundle was generated; generate again to update it." }</p> }
                        if let Some(plan) = key_plan.as_ref().as_ref().filter(|plan| plan.reuse() > 0) {
                            <p class="note" id="key-plan">
                                { format!("Generate will make {} new key(s) and reuse {} from the last run (kept in this tab only). ", plan.missing.len(), plan.reuse()) }
                                <button type="button" onclick={forget_keys}>{ "Use fresh keys" }</button>
                            </p>
                        }
                        if state.zip.is_some() && !state.generating() {
                            <button type="button" id="download-zip" onclick={download_zip}>{ "Download zip" }</button>
                        }
                    </div>
                    if let Some(Ok(uploaded)) = state.uploaded.clone() {
                        <Checks dispatch={state.dispatcher()} checks={uploaded.report.clone()} linkable={false} heading="Checks of the uploaded bundle" summary_id="upload-summary" />
                        <FitsTogether dispatch={state.dispatcher()} report={uploaded.report.clone()} paths={Some(uploaded.paths.clone())}
                            id="upload-fits" heading="How the uploaded bundle fits together" />
                    }
                    if let Some(checks) = state.checks.clone() {
                        <Checks dispatch={state.dispatcher()} checks={checks.clone()} />
                        if let Some(bundle) = state.bundle.clone() {
                            <FitsTogether dispatch={state.dispatcher()} report={checks} bundle={Some(bundle)} id="fits" heading="How it fits together" />
                        }
                    }
                    if let Some(bundle) = state.bundle.clone() {
                        <Browser {bundle} selected={state.selected.clone()} dispatch={state.dispatcher()} />
                    }
                    <SinceGuide />
                </section>
            </main>
        </>
    }
}
