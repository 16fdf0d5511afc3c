//! "Sign a CSR from a node": paste or drop the CSR keys-on-node.sh printed; the engine checks it
//! against the project and signs it with the CA held in this tab, or says every way it differs.

use std::rc::Rc;

use studio::SignedCsr;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::background;
use crate::platform;
use crate::state::State;

#[derive(Properties, PartialEq)]
pub struct SignProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(SignCsr)]
pub fn sign_csr(props: &SignProps) -> Html {
    let csr = use_state(String::new);
    let result = use_state(|| None::<Rc<Result<SignedCsr, Vec<String>>>>);
    let busy = use_state(|| false);
    let state = &props.state;
    // The CA the tab holds: imported with its key, under a certificates join.
    let can_sign = state.spec.as_deref().is_some_and(|spec| matches!(spec.ca, studio::spec::CaSpec::Import { .. }));
    let oninput = {
        let csr = csr.clone();
        Callback::from(move |e: InputEvent| csr.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let ondrop = {
        let csr = csr.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let csr = csr.clone();
            platform::read_first_file(e.data_transfer().and_then(|t| t.files()), move |text| csr.set(text));
        })
    };
    let sign = {
        let (csr, result, busy, file) = (csr.clone(), result.clone(), busy.clone(), state.file.clone());
        Callback::from(move |_| {
            let (csr, result, busy, file) = (csr.clone(), result.clone(), busy.clone(), file.clone());
            busy.set(true);
            spawn_local(async move {
                let signed = background::sign_csr(&file, (*csr).clone(), platform::now()).await;
                result.set(Some(Rc::new(signed)));
                busy.set(false);
            });
        })
    };
    let outcome = match result.as_deref() {
        None => html! {},
        Some(Err(reasons)) => html! {
            <div class="error" role="alert" id="sign-refused">
                <p>{ "Not signed:" }</p>
                <ul>{ for reasons.iter().map(|r| html! { <li>{ r.clone() }</li> }) }</ul>
            </div>
        },
        Some(Ok(signed)) => {
            let certificate = signed.certificate_pem.clone();
            let copy = Callback::from(move |_| platform::copy(&certificate));
            let certificate = signed.certificate_pem.clone();
            let name = signed.path.rsplit('/').next().unwrap_or("signed.crt").to_owned();
            let download = Callback::from(move |_| {
                let _ = platform::download(&name, "application/x-pem-file", certificate.as_bytes());
            });
            let install = signed.install.clone();
            let copy_install = Callback::from(move |_| platform::copy(&install));
            html! {
                <div class="signed" role="status" id="sign-result">
                    <p>{ format!("Signed {}; it goes to {}.", signed.role, signed.path) }</p>
                    <button type="button" onclick={copy}>{ "Copy certificate" }</button>
                    <button type="button" id="download-signed" onclick={download}>{ "Download certificate" }</button>
                    <button type="button" onclick={copy_install}>{ "Copy the install commands" }</button>
                    <pre class="preview" aria-label="The commands that install it">{ signed.install.clone() }</pre>
                </div>
            }
        }
    };
    html! {
        <details class="group" id="sign-csr">
            <summary>{ "Sign a CSR from a node" }</summary>
            <p class="hint">{ "Keys that never leave the node: run the worker's keys-on-node.sh, paste each CSR it made here, and install what comes back with KEYS_ON_NODE=1 bash install.sh. The CSR must ask for exactly what the project says that certificate is; anything else is refused with the reason." }</p>
            if !can_sign {
                <p class="note">{ "Signing needs the CA you keep: set the CA source to import and paste its certificate and key (they stay in this tab)." }</p>
            }
            <div class="field">
                <label for="csr-pem">{ "CSR (PEM)" }</label>
                <textarea id="csr-pem" rows="6" spellcheck="false" value={(*csr).clone()} {oninput} {ondrop}
                    ondragover={Callback::from(|e: DragEvent| e.prevent_default())} placeholder="-----BEGIN CERTIFICATE REQUEST-----" />
                <button type="button" id="sign-button" onclick={sign} disabled={!can_sign || *busy || csr.trim().is_empty()}>{ "Check and sign" }</button>
            </div>
            { outcome }
        </details>
    }
}
