//! Where the last run's time went, step by step from the click to the results on screen.

use std::rc::Rc;

use yew::prelude::*;

use crate::timing::Trace;

#[derive(Properties, PartialEq)]
pub struct TimeSpentProps {
    pub trace: Rc<Trace>,
}

#[function_component(TimeSpent)]
pub fn time_spent(props: &TimeSpentProps) -> Html {
    let total: f64 = props.trace.steps.iter().map(|(_, millis)| millis).sum();
    html! {
        <details class="timings" id="timings">
            <summary>{ format!("Where the {} ms went", total.round() as u64) }</summary>
            <table>
                <thead><tr><th scope="col">{ "step" }</th><th scope="col">{ "ms" }</th></tr></thead>
                <tbody>
                    { for props.trace.steps.iter().map(|(step, millis)| html! {
                        <tr><td>{ step.clone() }</td><td class="number">{ format!("{millis:.1}") }</td></tr>
                    }) }
                </tbody>
            </table>
        </details>
    }
}
