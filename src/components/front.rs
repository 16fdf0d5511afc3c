//! The API front's hosts: the API servers behind it and the LB hosts that carry its VIP, each a
//! row to edit, add or remove with its errors beside it; the URL the workers will use; and a check
//! of a real API server certificate, pasted or dropped, against the bundle's names.

use std::collections::BTreeMap;
use std::rc::Rc;

use studio::check::{Report, Status};
use studio::input::ApiFrontInput;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::background;
use crate::fields::input_id;
use crate::platform;
use crate::state::{Action, Column, FrontEdit, State};

#[derive(Properties, PartialEq)]
pub struct FrontHostsProps {
    pub front: ApiFrontInput,
    /// The errors under `apiFront.`, by field path.
    pub errors: BTreeMap<String, String>,
    /// The URL the workers use, once the form is valid.
    pub endpoint: Option<String>,
    pub dispatch: UseReducerDispatcher<State>,
}

/// One editable cell of a row.
fn cell(path: String, label: String, value: &str, errors: &BTreeMap<String, String>, oninput: Callback<String>) -> Html {
    let error = errors.get(&path).cloned();
    let oninput = Callback::from(move |e: InputEvent| oninput.emit(e.target_unchecked_into::<HtmlInputElement>().value()));
    html! {
        <td>
            <input type="text" id={input_id(&path)} aria-label={label} value={value.to_owned()} {oninput} spellcheck="false"
                aria-invalid={error.is_some().to_string()} />
            if let Some(m) = error { <p class="error" role="alert">{ m }</p> }
        </td>
    }
}

#[function_component(FrontHosts)]
pub fn front_hosts(props: &FrontHostsProps) -> Html {
    let front = &props.front;
    if !crate::fields::proxied_front(front) {
        return html! {};
    }
    let edit = |edit: fn(usize, String) -> FrontEdit, i: usize| {
        let d = props.dispatch.clone();
        Callback::from(move |value: String| d.dispatch(Action::Front(edit(i, value))))
    };
    let servers = front.api_servers.iter().enumerate().map(|(i, server)| {
        let n = i + 1;
        let path = |part: &str| format!("apiFront.apiServers[{i}].{part}");
        let d = props.dispatch.clone();
        let remove = Callback::from(move |_| d.dispatch(Action::Front(FrontEdit::RemoveApiServer(i))));
        html! {
            <tr key={i}>
                { cell(path("name"), format!("API server {n} name"), &server.name, &props.errors, edit(|i, v| FrontEdit::ApiServer(i, Column::Name, v), i)) }
                { cell(path("ip"), format!("API server {n} IP"), &server.ip, &props.errors, edit(|i, v| FrontEdit::ApiServer(i, Column::Ip, v), i)) }
                { cell(path("port"), format!("API server {n} port"), &server.port.0, &props.errors, edit(|i, v| FrontEdit::ApiServer(i, Column::Port, v), i)) }
                <td class="row-actions"><button type="button" onclick={remove} aria-label={format!("Remove API server {n}")}>{ "×" }</button></td>
            </tr>
        }
    });
    let hosts = front.lb_hosts.iter().enumerate().map(|(i, host)| {
        let n = i + 1;
        let path = |part: &str| format!("apiFront.lbHosts[{i}].{part}");
        let d = props.dispatch.clone();
        let remove = Callback::from(move |_| d.dispatch(Action::Front(FrontEdit::RemoveLbHost(i))));
        html! {
            <tr key={i}>
                { cell(path("name"), format!("LB host {n} name"), &host.name, &props.errors, edit(|i, v| FrontEdit::LbHost(i, Column::Name, v), i)) }
                { cell(path("ip"), format!("LB host {n} IP"), &host.ip, &props.errors, edit(|i, v| FrontEdit::LbHost(i, Column::Ip, v), i)) }
                { cell(path("interface"), format!("LB host {n} interface"), &host.interface, &props.errors, edit(|i, v| FrontEdit::LbHost(i, Column::Interface, v), i)) }
                <td class="row-actions"><button type="button" onclick={remove} aria-label={format!("Remove LB host {n}")}>{ "×" }</button></td>
            </tr>
        }
    });
    let d = props.dispatch.clone();
    let add_server = Callback::from(move |_| d.dispatch(Action::Front(FrontEdit::AddApiServer)));
    let d = props.dispatch.clone();
    let add_host = Callback::from(move |_| d.dispatch(Action::Front(FrontEdit::AddLbHost)));
    let list_error = |path: &str| props.errors.get(path).map(|m| html! { <p class="error" role="alert" id={input_id(path)}>{ m.clone() }</p> });
    html! {
        <>
            if let Some(url) = &props.endpoint {
                <p class="note" id="front-endpoint">{ "Workers, kube-proxy and kubectl reach the API servers at " }<code>{ url.clone() }</code>{ "." }</p>
            }
            <h3 class="sub">{ "API servers behind the front" }</h3>
            <table class="hosts" id="api-servers">
                <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "IP" }</th><th scope="col">{ "Port" }</th><th scope="col"><span class="sr-only">{ "Actions" }</span></th></tr></thead>
                <tbody>{ for servers }</tbody>
            </table>
            { for list_error("apiFront.apiServers") }
            <button type="button" onclick={add_server}>{ "Add API server" }</button>
            if crate::fields::vip_front_input(front) {
                <h3 class="sub">{ "LB hosts (the first starts as MASTER)" }</h3>
                <table class="hosts" id="lb-hosts">
                    <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "IP" }</th><th scope="col">{ "Interface" }</th><th scope="col"><span class="sr-only">{ "Actions" }</span></th></tr></thead>
                    <tbody>{ for hosts }</tbody>
                </table>
                { for list_error("apiFront.lbHosts") }
                <button type="button" onclick={add_host}>{ "Add LB host" }</button>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct CertificateCheckProps {
    pub state: UseReducerHandle<State>,
}

/// "Check an API server certificate": a real apiserver.crt against the bundle made here.
#[function_component(CertificateCheck)]
pub fn certificate_check(props: &CertificateCheckProps) -> Html {
    let pem = use_state(String::new);
    let report = use_state(|| None::<Rc<Result<Report, String>>>);
    let busy = use_state(|| false);
    let zip = props.state.zip.clone();
    let oninput = {
        let pem = pem.clone();
        Callback::from(move |e: InputEvent| pem.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let ondrop = {
        let pem = pem.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let pem = pem.clone();
            platform::read_first_file(e.data_transfer().and_then(|t| t.files()), move |text| pem.set(text));
        })
    };
    let check = {
        let (pem, report, busy, zip) = (pem.clone(), report.clone(), busy.clone(), zip.clone());
        Callback::from(move |_| {
            let Some(zip) = zip.clone() else { return };
            let (pem, report, busy) = (pem.clone(), report.clone(), busy.clone());
            busy.set(true);
            spawn_local(async move {
                let checked = match platform::blob_bytes(&zip).await {
                    Ok(bytes) => background::check_apiserver_cert(bytes, (*pem).clone(), platform::now()).await,
                    Err(why) => Err(why),
                };
                report.set(Some(Rc::new(checked)));
                busy.set(false);
            });
        })
    };
    let outcome = match report.as_deref() {
        None => html! {},
        Some(Err(why)) => html! { <p class="error" role="alert">{ format!("Not checked: {why}") }</p> },
        Some(Ok(report)) => {
            let failed = report.has_failures();
            html! {
                <div class={if failed { "error" } else { "signed" }} role={if failed { "alert" } else { "status" }} id="apiserver-cert-result">
                    <p>{ if failed { "This certificate does not fit the front:" } else { "This certificate fits: the nodes and kubectl will accept it through the front." } }</p>
                    <ul>
                        { for report.findings.iter().map(|f| html! {
                            <li class={if f.status == Status::Fail { "fail" } else { "pass" }}>
                                { format!("{}: {}", f.status.label(), f.title) }
                                if !f.detail.is_empty() { { format!(" ({})", f.detail) } }
                            </li>
                        }) }
                    </ul>
                </div>
            }
        }
    };
    html! {
        <details class="group" id="apiserver-cert">
            <summary>{ "Check an API server certificate" }</summary>
            <p class="hint">{ "Paste or drop a control-plane node's /etc/kubernetes/pki/apiserver.crt (a certificate, no key): it is checked against the bundle made here, for the cluster CA's signature, serverAuth, its dates, and every name the workers and kubectl dial through the front." }</p>
            if zip.is_none() {
                <p class="note">{ "Generate the bundle first: the certificate is checked against its kubeconfigs and CA." }</p>
            }
            <div class="field">
                <label for="apiserver-cert-pem">{ "API server certificate (PEM)" }</label>
                <textarea id="apiserver-cert-pem" rows="6" spellcheck="false" value={(*pem).clone()} {oninput} {ondrop}
                    ondragover={Callback::from(|e: DragEvent| e.prevent_default())} placeholder="-----BEGIN CERTIFICATE-----" />
                <button type="button" id="apiserver-cert-check" onclick={check} disabled={zip.is_none() || *busy || pem.trim().is_empty()}>{ "Check certificate" }</button>
            </div>
            { outcome }
        </details>
    }
}
