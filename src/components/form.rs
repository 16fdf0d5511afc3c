//! One form group: its fields from the field table, each with its label and its error beside it.

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::fields::{input_id, Control, Group, FIELDS};
use crate::platform;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct GroupProps {
    pub group: Group,
    pub state: UseReducerHandle<State>,
    /// What the group shows after its fields (the front's lists of hosts).
    #[prop_or_default]
    pub children: Html,
}

#[function_component(FieldGroup)]
pub fn field_group(props: &GroupProps) -> Html {
    let state = &props.state;
    let fields = FIELDS.iter().enumerate().filter(|(_, f)| f.group == props.group && (f.visible)(&state.file));
    let open = props.group != Group::Advanced;
    html! {
        <details class="group" open={open}>
            <summary>{ props.group.title() }</summary>
            { for fields.map(|(index, field)| {
                let id = input_id(field.path);
                let error = state.errors.get(field.path).cloned();
                let value = (field.get)(&state.file);
                let set = field.set;
                let dispatch = state.dispatcher();
                let invalid = if error.is_some() { "true" } else { "false" };
                let error_id = format!("{id}-error");
                let hint_id = format!("{id}-hint");
                let hint = (field.hint)();
                let described = match (&error, hint.is_empty()) {
                    (Some(_), true) => Some(error_id.clone()),
                    (Some(_), false) => Some(format!("{error_id} {hint_id}")),
                    (None, false) => Some(hint_id.clone()),
                    (None, true) => None,
                };
                let control = match field.control {
                    Control::Choice(options) => {
                        let options = options();
                        let onchange = Callback::from(move |value: String| dispatch.dispatch(Action::Set(set, value)));
                        html! {
                            <Choice id={id.clone()} {options} value={value} {onchange} invalid={invalid} described={described.clone()} />
                        }
                    }
                    Control::Pem => {
                        let typed = dispatch.clone();
                        let oninput = Callback::from(move |e: InputEvent| {
                            typed.dispatch(Action::Set(set, e.target_unchecked_into::<HtmlTextAreaElement>().value()));
                        });
                        let dropped = dispatch.clone();
                        let ondrop = Callback::from(move |e: DragEvent| {
                            e.prevent_default();
                            let d = dropped.clone();
                            platform::read_first_file(e.data_transfer().and_then(|t| t.files()), move |text| d.dispatch(Action::Set(set, text)));
                        });
                        let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
                        let chosen = dispatch.clone();
                        let onchange = Callback::from(move |e: Event| {
                            let d = chosen.clone();
                            platform::read_first_file(e.target_unchecked_into::<HtmlInputElement>().files(), move |text| d.dispatch(Action::Set(set, text)));
                        });
                        let file_id = format!("{id}-file");
                        html! {
                            <>
                                <textarea id={id.clone()} rows="6" spellcheck="false" {oninput} {ondrop} {ondragover} value={value}
                                    aria-invalid={invalid} aria-describedby={described.clone()}
                                    placeholder="Paste or drop the PEM file here" />
                                <label class="file-pick" for={file_id.clone()}>{ format!("…or choose a file for: {}", field.label) }</label>
                                <input type="file" id={file_id} {onchange} />
                            </>
                        }
                    }
                    Control::Check => {
                        let onchange = Callback::from(move |e: Event| {
                            dispatch.dispatch(Action::Set(set, e.target_unchecked_into::<HtmlInputElement>().checked().to_string()));
                        });
                        html! {
                            <input id={id.clone()} type="checkbox" checked={value == "true"} {onchange}
                                aria-invalid={invalid} aria-describedby={described.clone()} />
                        }
                    }
                    Control::Text | Control::Number => {
                        let oninput = Callback::from(move |e: InputEvent| {
                            dispatch.dispatch(Action::Set(set, e.target_unchecked_into::<HtmlInputElement>().value()));
                        });
                        let mode = if matches!(field.control, Control::Number) { "numeric" } else { "text" };
                        html! {
                            <input id={id.clone()} type="text" inputmode={mode} spellcheck="false" {oninput} value={value}
                                aria-invalid={invalid} aria-describedby={described.clone()} />
                        }
                    }
                };
                // Keyed, so a field that appears (another profile's) never takes over another's element.
                html! {
                    <div key={index} class={classes!("field", error.as_ref().map(|_| "has-error"))}>
                        <label for={id.clone()}>{ field.label }</label>
                        { control }
                        if !hint.is_empty() {
                            <p class="hint" id={hint_id}>{ hint }</p>
                        }
                        if let Some(message) = error {
                            <p class="error" id={error_id} role="alert">{ message }</p>
                        }
                    </div>
                }
            }) }
            { props.children.clone() }
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct ChoiceProps {
    id: String,
    options: Vec<&'static str>,
    value: String,
    onchange: Callback<String>,
    invalid: &'static str,
    described: Option<String>,
}

/// A select that always shows the model's value: once a person has picked an option, the browser
/// no longer follows `selected` attributes, so the value is set on the element after each render.
#[function_component(Choice)]
fn choice(props: &ChoiceProps) -> Html {
    let select = use_node_ref();
    {
        let select = select.clone();
        use_effect_with(props.value.clone(), move |value| {
            if let Some(element) = select.cast::<HtmlSelectElement>() {
                element.set_value(value);
            }
        });
    }
    let onchange = {
        let callback = props.onchange.clone();
        Callback::from(move |e: Event| callback.emit(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    html! {
        <select ref={select} id={props.id.clone()} {onchange} aria-invalid={props.invalid} aria-describedby={props.described.clone()}>
            { for props.options.iter().map(|o| html! { <option value={*o} selected={*o == props.value}>{ *o }</option> }) }
        </select>
    }
}
