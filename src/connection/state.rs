//! App-wide state, provided as context: the gateway's configuration, each provider's settings,
//! and the connection status the header shows.

use std::cell::RefCell;
use std::future::Future;
use std::task::{Poll, Waker};

use leptos::prelude::*;

use crate::connection::config::{AppConfig, Vendor};
use crate::connection::settings::{ProviderSettings, ResolvedConnection};
use crate::providers::{ApiError, HttpRequest, HttpResponse, Method, RequestBody};

thread_local! {
    /// Who waits for `/config.json` ([`AppState::config_settled`]).
    static CONFIG_WAITERS: RefCell<Vec<Waker>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigState {
    Loading,
    Loaded(AppConfig),
    Failed(String),
}

impl ConfigState {
    /// Who is signed in, once the configuration says (None without sign-in).
    pub fn user(&self) -> Option<&crate::connection::config::SignedInUser> {
        match self {
            ConfigState::Loaded(config) => config.user.as_ref(),
            _ => None,
        }
    }

    /// Whether the gateway receives pushed security signals.
    pub fn signals(&self) -> bool {
        matches!(self, ConfigState::Loaded(config) if config.signals)
    }
}

/// What the header's indicator says about a provider's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionStatus {
    Unknown,
    Ok,
    Failed(String),
}

/// One provider's settings and how its last call went.
#[derive(Clone, Copy)]
pub struct ProviderState {
    pub settings: RwSignal<ProviderSettings>,
    pub status: RwSignal<ConnectionStatus>,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub config: RwSignal<ConfigState>,
    idme: ProviderState,
    standfast: ProviderState,
    iden: ProviderState,
    /// The gateway's signals: no settings, only the status of its last answer.
    signals: ProviderState,
}

impl AppState {
    /// Creates the state and starts loading `/config.json`.
    pub fn start() -> Self {
        let provider = |p| ProviderState {
            settings: RwSignal::new(crate::connection::storage::load(p)),
            status: RwSignal::new(ConnectionStatus::Unknown),
        };
        let state = AppState {
            config: RwSignal::new(ConfigState::Loading),
            idme: provider(Vendor::Idme),
            standfast: provider(Vendor::Standfast),
            iden: provider(Vendor::Iden),
            signals: provider(Vendor::Signals),
        };
        crate::net::fetcher::spawn_now(Box::pin(async move {
            state.config.set(load_config().await);
            CONFIG_WAITERS.with(|w| w.take().into_iter().for_each(Waker::wake));
        }));
        state
    }

    /// Resolves once `/config.json` has been read (or has failed): a route that waits for it
    /// while its code loads can send its vendor request as its page is built.
    pub fn config_settled(self) -> impl Future<Output = ()> {
        std::future::poll_fn(move |cx| {
            let loading = self.config.try_with_untracked(|c| matches!(c, ConfigState::Loading)).unwrap_or(false);
            if !loading {
                return Poll::Ready(());
            }
            CONFIG_WAITERS.with(|w| w.borrow_mut().push(cx.waker().clone()));
            Poll::Pending
        })
    }

    pub fn provider(&self, provider: Vendor) -> ProviderState {
        match provider {
            Vendor::Standfast => self.standfast,
            Vendor::Iden => self.iden,
            Vendor::Idme => self.idme,
            Vendor::Signals => self.signals,
        }
    }

    /// The connection to use now for a provider: Ok(None) while the configuration is loading.
    pub fn connection(&self, provider: Vendor) -> Result<Option<ResolvedConnection>, String> {
        match self.config.get() {
            ConfigState::Loading => Ok(None),
            ConfigState::Failed(message) => Err(message),
            ConfigState::Loaded(config) if provider == Vendor::Signals => match config.signals {
                true => Ok(Some(ResolvedConnection::gateway_signals())),
                false => Err("this gateway receives no security signals".into()),
            },
            ConfigState::Loaded(config) => self.provider(provider).settings.with(|s| s.resolve(&config)).map(Some),
        }
    }

    /// Records how the last call to a vendor went, for the header's indicator.
    pub fn record(&self, provider: Vendor, result: Result<(), &ApiError>) {
        self.provider(provider).status.set(match result {
            Ok(()) => ConnectionStatus::Ok,
            Err(e) => ConnectionStatus::Failed(e.headline()),
        });
    }
}

/// Whether the gateway receives security signals (tracked: known once `/config.json` is in).
pub fn gateway_has_signals() -> bool {
    use_context::<AppState>().is_some_and(|state| state.config.with(|c| c.signals()))
}

/// The state `App` provides; every page is rendered inside `App`.
pub fn use_app_state() -> AppState {
    use_context::<AppState>().expect("AppState is provided by App")
}

async fn load_config() -> ConfigState {
    let response = match config_read_by_boot().await {
        Some(response) => Ok(response),
        None => {
            let request = HttpRequest {
                method: Method::Get,
                url: "/config.json".into(),
                headers: Vec::new(),
                body: RequestBody::None,
            };
            crate::net::http::send(&request, None).await
        }
    };
    match response {
        Ok(HttpResponse { status: 200, body, .. }) => match AppConfig::parse(&body) {
            Ok(config) => {
                if let Some(secs) = config.response_timeout_secs {
                    crate::net::http::set_response_timeout_secs(secs);
                }
                ConfigState::Loaded(config)
            }
            Err(message) => ConfigState::Failed(message),
        },
        Ok(HttpResponse { status: 401, .. }) => {
            send_to_sign_in();
            ConfigState::Failed("your session has ended: signing you in again…".into())
        }
        Ok(response) => ConfigState::Failed(format!("the gateway's /config.json answered {}", response.status)),
        Err(crate::net::http::FetchFailure::Failed(e)) => ConfigState::Failed(e.headline()),
        Err(crate::net::http::FetchFailure::Aborted) => ConfigState::Failed("loading /config.json was aborted".into()),
    }
}

/// `/config.json` as public/boot.js read it while the code loaded, taken once: read by the app
/// as its main module starts, the answer came a task later, after a frame drawn without the
/// view, and the view's page (and its vendor request) waited for it. None when boot.js did not
/// read it or its read failed: the app then reads it itself, with its deadline.
async fn config_read_by_boot() -> Option<HttpResponse> {
    use wasm_bindgen::JsCast;
    let global = js_sys::global();
    let name = wasm_bindgen::JsValue::from_str("__auditdeckConfig");
    let read = js_sys::Reflect::get(&global, &name).ok()?.dyn_into::<js_sys::Promise>().ok()?;
    let _ = js_sys::Reflect::delete_property(&global, &name);
    let read = wasm_bindgen_futures::JsFuture::from(read).await.ok()?;
    let field = |name: &str| js_sys::Reflect::get(&read, &wasm_bindgen::JsValue::from_str(name)).ok();
    let status = field("status")?.as_f64().filter(|s| (100.0..=599.0).contains(s))?;
    let body = field("body")?.as_string()?;
    Some(HttpResponse { status: status as u16, content_type: None, retry_after: None, body })
}

/// A session that ended while the page was open: sign in again, then come back to this very
/// view (the gateway keeps the path and query through sign-in).
fn send_to_sign_in() {
    let Some(location) = web_sys::window().map(|w| w.location()) else { return };
    let here = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    let encoded: String = js_sys::encode_uri_component(&here).into();
    let _ = location.assign(&format!("/auth/sign-in?return_to={encoded}"));
}
