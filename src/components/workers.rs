//! The workers table: edit, add, remove, duplicate, or paste many `name ip` lines at once. A large
//! cluster's table shows a window of rows found through a filter, plus every row with an error.

use std::collections::{BTreeMap, BTreeSet};

use studio::input::WorkerInput;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::fields::input_id;
use crate::state::{Action, State};

/// Only what the table shows, so it is not rebuilt while other parts of the page change (a
/// thousand rows take tens of milliseconds).
#[derive(Properties, PartialEq)]
pub struct WorkersProps {
    pub workers: Vec<WorkerInput>,
    /// The errors of `workers` and its rows, by field path.
    pub errors: BTreeMap<String, String>,
    pub dispatch: UseReducerDispatcher<State>,
}

/// Rows shown at once; more are found through the filter (a thousand rows take half a second to build).
const ROWS_SHOWN: usize = 50;

#[function_component(Workers)]
pub fn workers(props: &WorkersProps) -> Html {
    let paste = use_state(String::new);
    let query = use_state(String::new);
    let wanted = query.trim().to_ascii_lowercase();
    let matches = |w: &WorkerInput| wanted.is_empty() || w.name.to_ascii_lowercase().contains(&wanted) || w.ip.contains(&wanted);
    let has_error = |i: usize| props.errors.contains_key(&format!("workers[{i}].name")) || props.errors.contains_key(&format!("workers[{i}].ip"));
    // Rows typed in stay shown even once their error is fixed, so a row never vanishes under the cursor.
    let pinned = use_mut_ref(BTreeSet::<usize>::new);
    let matching = props.workers.iter().filter(|w| matches(w)).count();
    let (mut window, mut with_errors) = (0, 0);
    let shown: Vec<(usize, &WorkerInput)> = props
        .workers
        .iter()
        .enumerate()
        .filter(|(i, w)| {
            let in_window = matches(w) && window < ROWS_SHOWN;
            window += usize::from(in_window);
            let error_row = !in_window && has_error(*i) && with_errors < ROWS_SHOWN;
            with_errors += usize::from(error_row);
            in_window || error_row || pinned.borrow().contains(i)
        })
        .collect();
    let on_query = {
        let query = query.clone();
        let pinned = pinned.clone();
        Callback::from(move |e: InputEvent| {
            pinned.borrow_mut().clear();
            query.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let rows = shown.into_iter().map(|(i, w)| {
        let name_path = format!("workers[{i}].name");
        let ip_path = format!("workers[{i}].ip");
        let name_error = props.errors.get(&name_path).cloned();
        let ip_error = props.errors.get(&ip_path).cloned();
        let (d, pin) = (props.dispatch.clone(), pinned.clone());
        let on_name = Callback::from(move |e: InputEvent| {
            pin.borrow_mut().insert(i);
            d.dispatch(Action::SetWorkerName(i, e.target_unchecked_into::<HtmlInputElement>().value()))
        });
        let (d, pin) = (props.dispatch.clone(), pinned.clone());
        let on_ip = Callback::from(move |e: InputEvent| {
            pin.borrow_mut().insert(i);
            d.dispatch(Action::SetWorkerIp(i, e.target_unchecked_into::<HtmlInputElement>().value()))
        });
        let d = props.dispatch.clone();
        let duplicate = Callback::from(move |_| d.dispatch(Action::DuplicateWorker(i)));
        let d = props.dispatch.clone();
        let remove = Callback::from(move |_| d.dispatch(Action::RemoveWorker(i)));
        let n = i + 1;
        html! {
            <tr key={i}>
                <td>
                    <input type="text" id={input_id(&name_path)} aria-label={format!("Worker {n} name")} value={w.name.clone()}
                        oninput={on_name} spellcheck="false" aria-invalid={name_error.is_some().to_string()} />
                    if let Some(m) = name_error { <p class="error" role="alert">{ m }</p> }
                </td>
                <td>
                    <input type="text" id={input_id(&ip_path)} aria-label={format!("Worker {n} IP")} value={w.ip.clone()}
                        oninput={on_ip} spellcheck="false" aria-invalid={ip_error.is_some().to_string()} />
                    if let Some(m) = ip_error { <p class="error" role="alert">{ m }</p> }
                </td>
                <td class="row-actions">
                    <button type="button" onclick={duplicate} aria-label={format!("Clone worker {n}")}>{ "Clone" }</button>
                    <button type="button" onclick={remove} aria-label={format!("Remove worker {n}")}>{ "×" }</button>
                </td>
            </tr>
        }
    });
    let d = props.dispatch.clone();
    let add = Callback::from(move |_| d.dispatch(Action::AddWorker));
    let paste_input = {
        let paste = paste.clone();
        Callback::from(move |e: InputEvent| paste.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let apply_paste = {
        let paste = paste.clone();
        let d = props.dispatch.clone();
        let pinned = pinned.clone();
        Callback::from(move |_| {
            pinned.borrow_mut().clear();
            d.dispatch(Action::PasteWorkers((*paste).clone()));
            paste.set(String::new());
        })
    };
    let list_error = props.errors.get("workers").cloned();
    html! {
        <details class="group" open=true>
            <summary>{ format!("Workers ({})", props.workers.len()) }</summary>
            if props.workers.len() > ROWS_SHOWN {
                <div class="field">
                    <label for="worker-filter">{ "Find a worker (name or IP)" }</label>
                    <input type="text" id="worker-filter" value={(*query).clone()} oninput={on_query} placeholder="worker042" />
                    <p class="note" id="worker-count">
                        { format!("Showing {window} of {matching} matching workers ({} in all), and rows with an error or being edited.", props.workers.len()) }
                    </p>
                </div>
            }
            <table class="workers">
                <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "IP" }</th><th scope="col"><span class="sr-only">{ "Actions" }</span></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if let Some(m) = list_error { <p class="error" role="alert">{ m }</p> }
            <button type="button" onclick={add}>{ "Add worker" }</button>
            <div class="field">
                <label for="paste-workers">{ "Paste workers (one \"name ip\" per line; replaces the table)" }</label>
                <textarea id="paste-workers" rows="3" spellcheck="false" value={(*paste).clone()} oninput={paste_input} />
                <button type="button" onclick={apply_paste} disabled={paste.trim().is_empty()}>{ "Use pasted workers" }</button>
            </div>
        </details>
    }
}
