//! `/settings`: which ID.me connection to use, the auth scheme, the secret, and a connection test.

use leptos::prelude::*;

use crate::components::error_box::ErrorBox;
use crate::components::toggle::Toggle;
use crate::http::{FetchFailure, send};
use crate::providers::ApiError;
use crate::providers::idme::{self, AuthScheme};
use crate::settings::{CUSTOM_CONNECTION, IdmeSettings};
use crate::state::{ConfigState, ConnectionStatus, use_app_state};

/// The query "test connection" sends: a documentation address (RFC 5737), harmless anywhere.
const TEST_IP: &str = "192.0.2.1";

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
    let test = RwSignal::new(None::<TestResult>);

    // Every change is kept (see storage.rs for where) and invalidates the last test.
    let change = move |f: &dyn Fn(&mut IdmeSettings)| {
        state.idme.update(|s| f(s));
        state.idme.with_untracked(crate::storage::save_idme);
        state.idme_status.set(ConnectionStatus::Unknown);
        test.set(None);
    };

    let options = move || match state.config.get() {
        ConfigState::Loaded(config) => {
            config.connections_for(crate::config::Provider::Idme).cloned().collect::<Vec<_>>()
        }
        _ => Vec::new(),
    };
    let selected_id = move || {
        let cfg = state.config.get();
        state.idme.with(|s| {
            if s.is_custom() {
                CUSTOM_CONNECTION.to_string()
            } else if let ConfigState::Loaded(config) = &cfg {
                s.selected(config).map(|c| c.id.clone()).unwrap_or_default()
            } else {
                s.preferences.connection_id.clone()
            }
        })
    };
    let selected = move || match state.config.get() {
        ConfigState::Loaded(config) => state.idme.with(|s| s.selected(&config).cloned()),
        _ => None,
    };
    let gateway_adds =
        move || !state.idme.with(|s| s.is_custom()) && selected().is_some_and(|c| c.gateway_adds_credential);
    let sandbox_secret =
        move || selected().and_then(|c| c.sandbox_secret).filter(|_| !state.idme.with(|s| s.is_custom()));

    let run_test = move |_| {
        let connection = match state.idme_connection() {
            Ok(Some(c)) => c,
            Ok(None) => {
                return test.set(Some(TestResult::NotSent("The gateway configuration is still loading.".into())));
            }
            Err(message) => return test.set(Some(TestResult::NotSent(message))),
        };
        let Ok(ip) = TEST_IP.parse() else { return };
        let request = idme::search_by_ip(&connection.base_url, ip, 1, connection.authorization.as_deref());
        test.set(Some(TestResult::Running));
        leptos::task::spawn_local(async move {
            let outcome = match send(&request, None).await {
                Ok(response) => idme::parse_search(&response),
                Err(FetchFailure::Failed(e)) => Err(e),
                Err(FetchFailure::Aborted) => return,
            };
            match outcome {
                Ok(page) => {
                    state.record_idme_result(Ok(()));
                    test.set(Some(TestResult::Passed(format!(
                        "Connected to {}: the vendor accepted the credential and answered a search ({} events for {TEST_IP}).",
                        connection.label,
                        page.meta.total_count.unwrap_or(page.events.len() as u64)
                    ))));
                }
                Err(e) => {
                    state.record_idme_result(Err(&e));
                    test.set(Some(TestResult::Failed(e)));
                }
            }
        });
    };

    let config_problem = move || match state.config.get() {
        ConfigState::Failed(message) => Some(view! { <div class="notice" role="alert">{message}</div> }),
        _ => None,
    };

    view! {
        <section class="page settings">
            <h1>"Settings"</h1>
            {config_problem}
            <form class="settings-form" on:submit=|ev| ev.prevent_default()>
                <fieldset>
                    <legend>"ID.me Event & Audit Logging"</legend>
                    <label for="idme-connection">"Connection"</label>
                    <select
                        id="idme-connection"
                        prop:value=selected_id
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            change(&|s| s.preferences.connection_id = id.clone());
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

                    <Show when=move || state.idme.with(|s| s.is_custom())>
                        <label for="idme-custom-url">"Custom base URL"</label>
                        <input
                            id="idme-custom-url"
                            type="url"
                            placeholder="https://events.example.org"
                            prop:value=move || state.idme.with(|s| s.preferences.custom_base_url.clone())
                            on:change=move |ev| {
                                let url = event_target_value(&ev);
                                change(&|s| s.preferences.custom_base_url = url.trim().to_string());
                            }
                        />
                        <p class="help">"The browser calls this URL directly: it must send CORS headers, and the gateway's extra_connect_src must allow its origin."</p>
                    </Show>

                    <Show
                        when=move || !gateway_adds()
                        fallback=|| view! { <p class="help gateway-credential">"The gateway adds the credential for this connection: nothing to enter here."</p> }
                    >
                        <label for="idme-scheme">"Authorization scheme"</label>
                        <select
                            id="idme-scheme"
                            prop:value=move || format!("{:?}", state.idme.with(|s| s.preferences.scheme))
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                let scheme = AuthScheme::ALL.into_iter().find(|s| format!("{s:?}") == value).unwrap_or_default();
                                change(&|s| s.preferences.scheme = scheme);
                            }
                        >
                            <option value="IdMe">"ID.me <key> (the document's prose)"</option>
                            <option value="BearerIdMe">"Bearer ID.me <key> (the document's samples)"</option>
                        </select>

                        <label for="idme-secret">"Shared secret"</label>
                        <input
                            id="idme-secret"
                            type="password"
                            autocomplete="off"
                            spellcheck="false"
                            placeholder=move || if sandbox_secret().is_some() { "empty: use the sandbox's public key" } else { "" }
                            prop:value=move || state.idme.with(|s| s.secret.clone())
                            on:input=move |ev| {
                                let secret = event_target_value(&ev);
                                change(&|s| s.secret = secret.clone());
                            }
                        />
                        {move || sandbox_secret().map(|key| view! {
                            <p class="help">"The built-in sandbox's public key is " <code>{key}</code> "; it is used when this field is empty."</p>
                        })}
                        <Toggle
                            id="idme-encoded"
                            label="The secret is already base64-encoded"
                            checked=Signal::derive(move || state.idme.with(|s| s.preferences.secret_already_encoded))
                            on_change=Callback::new(move |on| change(&|s| s.preferences.secret_already_encoded = on))
                        />
                        <Toggle
                            id="idme-remember"
                            label="Remember the secret in this tab (sessionStorage; otherwise it is kept in memory only)"
                            checked=Signal::derive(move || state.idme.with(|s| s.preferences.remember_secret_in_tab))
                            on_change=Callback::new(move |on| change(&|s| s.preferences.remember_secret_in_tab = on))
                        />
                    </Show>

                    <div class="actions">
                        <button type="button" id="idme-test" on:click=run_test>"Test connection"</button>
                    </div>
                    <div class="test-result" aria-live="polite">
                        {move || test.get().map(|t| match t {
                            TestResult::Running => view! { <p class="loading">"Testing…"</p> }.into_any(),
                            TestResult::Passed(message) => view! { <p class="success" role="status">{message}</p> }.into_any(),
                            TestResult::Failed(error) => view! { <ErrorBox error=error/> }.into_any(),
                            TestResult::NotSent(message) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
                        })}
                    </div>
                </fieldset>
            </form>
        </section>
    }
}
