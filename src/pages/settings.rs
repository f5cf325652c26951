//! `/settings`: per provider, which connection to use, the credential, the provider's scope
//! (Standfast workspace, Iden organisation), and a connection test.

use leptos::prelude::*;

use crate::components::error_box::ErrorBox;
use crate::components::toggle::Toggle;
use crate::connection::config::{Connection, Vendor};
use crate::connection::settings::{CUSTOM_CONNECTION, Preferences, ProviderSettings};
use crate::connection::state::{ConfigState, ConnectionStatus, use_app_state};
use crate::providers::ApiError;
use crate::providers::idme::AuthScheme;
use crate::providers::idme_events;

#[derive(Clone, PartialEq)]
enum TestResult {
    Running,
    Passed(String),
    Failed(ApiError),
    NotSent(String),
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = use_app_state();
    let config_problem = move || match state.config.get() {
        ConfigState::Failed(message) => Some(view! { <div class="notice" role="alert">{message}</div> }),
        _ => None,
    };
    view! {
        <section class="page settings">
            <h1>"Settings"</h1>
            <p class="help">
                "Secrets stay in this tab's memory unless you tick “remember in this tab” (sessionStorage). "
                "They never go into a URL, local storage, or an export."
            </p>
            {config_problem}
            {Vendor::ALL.into_iter().map(|provider| view! { <ProviderFieldset provider/> }).collect_view()}
        </section>
    }
}

/// The field that scopes a provider's requests: Standfast's workspace, Iden's organisation.
#[derive(Clone, Copy)]
struct ScopeField {
    suffix: &'static str,
    label: &'static str,
    get: fn(&Preferences) -> &str,
    set: fn(&mut Preferences, String),
    /// The connection's default, used when the field is empty.
    default: fn(&Connection) -> Option<String>,
}

impl ScopeField {
    fn of(provider: Vendor) -> Option<ScopeField> {
        match provider {
            Vendor::Standfast => Some(ScopeField {
                suffix: "workspace",
                label: "Workspace id",
                get: |p| &p.workspace_id,
                set: |p, v| p.workspace_id = v,
                default: |c| c.workspace_id.clone(),
            }),
            Vendor::Iden => Some(ScopeField {
                suffix: "org",
                label: "Organisation slug",
                get: |p| &p.org_slug,
                set: |p, v| p.org_slug = v,
                default: |c| c.org_slug.clone(),
            }),
            Vendor::Idme | Vendor::Signals => None,
        }
    }
}

#[component]
fn ProviderFieldset(provider: Vendor) -> impl IntoView {
    let state = use_app_state();
    let p = state.provider(provider);
    let key = provider.key();
    let id = move |suffix: &str| format!("{key}-{suffix}");
    let test = RwSignal::new(None::<TestResult>);

    // Every change is kept (see storage.rs for where) and invalidates the last test.
    let change = move |f: &dyn Fn(&mut ProviderSettings)| {
        p.settings.update(|s| f(s));
        p.settings.with_untracked(crate::connection::storage::save);
        p.status.set(ConnectionStatus::Unknown);
        test.set(None);
    };

    let options = move || match state.config.get() {
        ConfigState::Loaded(config) => config.connections_for(provider).cloned().collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let selected = move || match state.config.get() {
        ConfigState::Loaded(config) => p.settings.with(|s| s.selected(&config).cloned()),
        _ => None,
    };
    let is_custom = move || p.settings.with(ProviderSettings::is_custom);
    let selected_id = move || {
        if is_custom() {
            CUSTOM_CONNECTION.to_string()
        } else {
            selected().map(|c| c.id).unwrap_or_else(|| p.settings.with(|s| s.preferences.connection_id.clone()))
        }
    };
    let gateway_adds = move || !is_custom() && selected().is_some_and(|c| c.gateway_adds_credential);
    let sandbox_secret = move || selected().and_then(|c| c.sandbox_secret).filter(|_| !is_custom());
    let secret_label = if provider == Vendor::Idme { "Shared secret" } else { "API key" };

    let run_test = move |_| {
        let connection = match state.connection(provider) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return test.set(Some(TestResult::NotSent("The gateway configuration is still loading.".into())));
            }
            Err(message) => return test.set(Some(TestResult::NotSent(message))),
        };
        test.set(Some(TestResult::Running));
        leptos::task::spawn_local(async move {
            match crate::connection::probe::run(provider, &connection).await {
                None => {}
                Some(Ok(message)) => {
                    state.record(provider, Ok(()));
                    test.set(Some(TestResult::Passed(message)));
                }
                Some(Err(e)) => {
                    state.record(provider, Err(&e));
                    test.set(Some(TestResult::Failed(e)));
                }
            }
        });
    };

    let scope_view = ScopeField::of(provider).map(|field| {
        let placeholder = move || {
            selected()
                .and_then(|c| (field.default)(&c))
                .map(|d| format!("empty: {d} (the connection's default)"))
                .unwrap_or_default()
        };
        view! {
            <label for=id(field.suffix)>{field.label}</label>
            <input
                id=id(field.suffix)
                type="text"
                autocomplete="off"
                spellcheck="false"
                placeholder=placeholder
                prop:value=move || p.settings.with(|s| (field.get)(&s.preferences).to_string())
                on:change=move |ev| {
                    let v = event_target_value(&ev).trim().to_string();
                    change(&|s| (field.set)(&mut s.preferences, v.clone()));
                }
            />
        }
    });

    let idme_scheme = move || {
        (provider == Vendor::Idme).then(|| {
            view! {
                <label for=id("scheme")>"Authorization scheme"</label>
                <select
                    id=id("scheme")
                    prop:value=move || p.settings.with(|s| s.preferences.scheme.key())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let scheme = AuthScheme::from_key(&value).unwrap_or_default();
                        change(&|s| s.preferences.scheme = scheme);
                    }
                >
                    <option value="IdMe">"ID.me <key> (the document's prose)"</option>
                    <option value="BearerIdMe">"Bearer ID.me <key> (the document's samples)"</option>
                </select>
            }
        })
    };
    let idme_encoded = move || {
        (provider == Vendor::Idme).then(|| {
            view! {
                <Toggle
                    id=id("encoded")
                    label="The secret is already base64-encoded"
                    checked=Signal::derive(move || p.settings.with(|s| s.preferences.secret_already_encoded))
                    on_change=Callback::new(move |on| change(&|s| s.preferences.secret_already_encoded = on))
                />
            }
        })
    };

    // The Events API's path is the one decision NOTES.md makes without any document to go by.
    let idme_events_path = move || {
        (provider == Vendor::Idme).then(|| {
            let problem = move || {
                let template = p.settings.with(|s| s.preferences.events_path_template.clone());
                idme_events::check_template(idme_events::template_or_default(&template)).err()
            };
            view! {
                <label for=id("events-path")>"Events API path (one event by id)"</label>
                <input
                    id=id("events-path")
                    type="text"
                    spellcheck="false"
                    placeholder=idme_events::DEFAULT_PATH_TEMPLATE
                    aria-describedby=id("events-path-help")
                    prop:value=move || p.settings.with(|s| s.preferences.events_path_template.clone())
                    on:input=move |ev| {
                        let template = event_target_value(&ev);
                        change(&|s| s.preferences.events_path_template = template.clone());
                    }
                />
                <p class="help" id=id("events-path-help")>
                    "The overview gives no path; empty uses " <code>{idme_events::DEFAULT_PATH_TEMPLATE}</code>
                    " (NOTES.md). " <code>"{id}"</code> " stands for the event id; the secret is sent as a bearer token."
                </p>
                <p class="field-error" role="alert">{problem}</p>
            }
        })
    };

    view! {
        <form class="settings-form" on:submit=|ev| ev.prevent_default()>
            <fieldset id=id("settings")>
                <legend>{provider.title()}</legend>
                <label for=id("connection")>"Connection"</label>
                <select
                    id=id("connection")
                    prop:value=selected_id
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        change(&|s| s.preferences.connection_id = chosen.clone());
                    }
                >
                    {move || options().into_iter().map(|c| {
                        let text = match &c.upstream {
                            Some(upstream) => format!("{} ({upstream}, through the gateway)", c.label),
                            None => c.label.clone(),
                        };
                        view! { <option value=c.id.clone()>{text}</option> }
                    }).collect_view()}
                    <option value=CUSTOM_CONNECTION>"Custom base URL (direct, needs CORS)"</option>
                </select>

                <Show when=is_custom>
                    <label for=id("custom-url")>"Custom base URL"</label>
                    <input
                        id=id("custom-url")
                        type="url"
                        placeholder="https://…"
                        prop:value=move || p.settings.with(|s| s.preferences.custom_base_url.clone())
                        on:change=move |ev| {
                            let url = event_target_value(&ev);
                            change(&|s| s.preferences.custom_base_url = url.trim().to_string());
                        }
                    />
                    <p class="help">"The browser calls this URL directly: it must send CORS headers, and the gateway's extra_connect_src must allow its origin."</p>
                </Show>

                {scope_view}

                <Show
                    when=move || !gateway_adds()
                    fallback=move || view! { <p class="help gateway-credential" id=id("gateway-credential")>"The gateway adds the credential for this connection: nothing to enter here."</p> }
                >
                    {idme_scheme}
                    <label for=id("secret")>{secret_label}</label>
                    <input
                        id=id("secret")
                        type="password"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder=move || if sandbox_secret().is_some() { "empty: use the sandbox's public key" } else { "" }
                        prop:value=move || p.settings.with(|s| s.secret.clone())
                        on:input=move |ev| {
                            let secret = event_target_value(&ev);
                            change(&|s| s.secret = secret.clone());
                        }
                    />
                    {move || sandbox_secret().map(|k| view! {
                        <p class="help">"The built-in sandbox's public key is " <code>{k}</code> "; it is used when this field is empty."</p>
                    })}
                    {idme_encoded}
                    <Toggle
                        id=id("remember")
                        label="Remember the secret in this tab (sessionStorage; otherwise it is kept in memory only)"
                        checked=Signal::derive(move || p.settings.with(|s| s.preferences.remember_secret_in_tab))
                        on_change=Callback::new(move |on| change(&|s| s.preferences.remember_secret_in_tab = on))
                    />
                </Show>

                {idme_events_path}

                <div class="actions">
                    <button type="button" id=id("test") on:click=run_test>"Test connection"</button>
                </div>
                <div class="test-result" id=id("test-result") aria-live="polite">
                    {move || test.get().map(|t| match t {
                        TestResult::Running => view! { <p class="loading">"Testing…"</p> }.into_any(),
                        TestResult::Passed(message) => view! { <p class="success" role="status">{message}</p> }.into_any(),
                        TestResult::Failed(error) => view! { <ErrorBox error=error/> }.into_any(),
                        TestResult::NotSent(message) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
                    })}
                </div>
            </fieldset>
        </form>
    }
}
