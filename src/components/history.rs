//! "Since 2016": what the guide wrote, what the current profile writes instead, why, and since when.

use studio::profile::history::{changes, Change, Topic, CHANGES};
use yew::prelude::*;

fn change_item(change: &Change) -> Html {
    html! {
        <li class="change">
            <p><span class="since">{ format!("Kubernetes {}", change.since) }</span></p>
            <dl>
                <dt>{ "2016" }</dt><dd><code>{ change.then }</code></dd>
                <dt>{ "Now" }</dt><dd><code>{ change.now }</code></dd>
                <dt>{ "Why" }</dt><dd>{ change.why }</dd>
            </dl>
        </li>
    }
}

/// The changes behind one artifact, shown beside its preview.
pub fn for_topic(topic: Topic) -> Html {
    html! {
        <aside class="since-2016" aria-label="Since 2016">
            <h4>{ format!("Since 2016: {}", topic.title()) }</h4>
            <ul>{ for changes(topic).map(change_item) }</ul>
        </aside>
    }
}

/// Every change, grouped by topic.
#[function_component(SinceGuide)]
pub fn since_guide() -> Html {
    let mut topics: Vec<Topic> = CHANGES.iter().map(|c| c.topic).collect();
    topics.dedup();
    html! {
        <details class="group" id="since-2016">
            <summary>{ "What changed since the 2016 guide" }</summary>
            <p class="note">{ "The guide's files ran on Kubernetes 1.2. Here is what the current profile writes instead, and why; open a file of a current-profile bundle to see its own changes beside it." }</p>
            { for topics.into_iter().map(|topic| html! {
                <section>
                    <h3>{ topic.title() }</h3>
                    <ul>{ for changes(topic).map(change_item) }</ul>
                </section>
            }) }
        </details>
    }
}
