//! The check report as a checklist: problems first, passes folded, every file a link to its preview.

use std::rc::Rc;

use studio::check::{Finding, Report, Status};
use yew::prelude::*;

use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct ChecksProps {
    pub dispatch: UseReducerDispatcher<State>,
    pub checks: Rc<Report>,
    /// Whether file names select the file in the browser (false for an uploaded bundle).
    #[prop_or(true)]
    pub linkable: bool,
    #[prop_or("Checks")]
    pub heading: &'static str,
    #[prop_or("checks-summary")]
    pub summary_id: &'static str,
}

fn finding(dispatch: &UseReducerDispatcher<State>, f: &Finding, linkable: bool) -> Html {
    let files = f.files.iter().map(|path| {
        if !linkable {
            return html! { <code class="file-name">{ path.clone() }</code> };
        }
        let d = dispatch.clone();
        let target = path.clone();
        let select = Callback::from(move |_| d.dispatch(Action::Select(target.clone())));
        html! { <button type="button" class="file-link" onclick={select}>{ path.clone() }</button> }
    });
    let class = match f.status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    };
    html! {
        <li class={classes!("finding", class)}>
            <span class="badge">{ f.status.label() }</span>{ " " }
            <strong>{ &f.title }</strong>
            if !f.detail.is_empty() { { format!(": {}", f.detail) } }
            <div class="files">{ for files }</div>
            if f.status != Status::Pass { <p class="note">{ format!("Why it matters: {}", f.why) }</p> }
        </li>
    }
}

#[function_component(Checks)]
pub fn checks(props: &ChecksProps) -> Html {
    let report = &props.checks;
    let problems: Vec<&Finding> = report.findings.iter().filter(|f| f.status != Status::Pass).collect();
    let passes: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Pass).collect();
    // Passed checks render only when asked for: a large cluster has tens of thousands.
    let show_passes = use_state(|| false);
    let toggle = {
        let show_passes = show_passes.clone();
        Callback::from(move |_| show_passes.set(!*show_passes))
    };
    html! {
        <section class="checks" aria-label={props.heading}>
            <h2>{ props.heading }</h2>
            <p id={props.summary_id} role="status">{ report.summary() }</p>
            <ul>{ for problems.iter().map(|f| finding(&props.dispatch, f, props.linkable)) }</ul>
            <button type="button" class="toggle-passes" onclick={toggle} aria-expanded={show_passes.to_string()}>
                { format!("{} {} passed checks", if *show_passes { "Hide" } else { "Show" }, passes.len()) }
            </button>
            if *show_passes {
                <ul>{ for passes.iter().map(|f| finding(&props.dispatch, f, props.linkable)) }</ul>
            }
        </section>
    }
}
