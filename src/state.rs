//! App-wide state, provided as context: the gateway's configuration, the ID.me settings, and the
//! connection status the header shows.

use leptos::prelude::*;

use crate::config::AppConfig;
use crate::providers::{ApiError, HttpRequest, HttpResponse, Method, RequestBody};
use crate::settings::{IdmeSettings, ResolvedConnection};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigState {
    Loading,
    Loaded(AppConfig),
    Failed(String),
}

/// What the header's indicator says about the selected connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionStatus {
    Unknown,
    Ok,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub config: RwSignal<ConfigState>,
    pub idme: RwSignal<IdmeSettings>,
    pub idme_status: RwSignal<ConnectionStatus>,
}

impl AppState {
    /// Creates the state and starts loading `/config.json`.
    pub fn start() -> Self {
        let state = AppState {
            config: RwSignal::new(ConfigState::Loading),
            idme: RwSignal::new(crate::storage::load_idme()),
            idme_status: RwSignal::new(ConnectionStatus::Unknown),
        };
        leptos::task::spawn_local(async move {
            state.config.set(load_config().await);
        });
        state
    }

    /// The ID.me connection to use now: Ok(None) while the configuration is still loading.
    pub fn idme_connection(&self) -> Result<Option<ResolvedConnection>, String> {
        match self.config.get() {
            ConfigState::Loading => Ok(None),
            ConfigState::Failed(message) => Err(message),
            ConfigState::Loaded(config) => self.idme.with(|s| s.resolve(&config)).map(Some),
        }
    }

    /// Records how the last call to the vendor went, for the header's indicator.
    pub fn record_idme_result(&self, result: Result<(), &ApiError>) {
        self.idme_status.set(match result {
            Ok(()) => ConnectionStatus::Ok,
            Err(e) => ConnectionStatus::Failed(e.headline()),
        });
    }
}

/// The state `App` provides; every page is rendered inside `App`.
pub fn use_app_state() -> AppState {
    use_context::<AppState>().expect("AppState is provided by App")
}

async fn load_config() -> ConfigState {
    let request =
        HttpRequest { method: Method::Get, url: "/config.json".into(), headers: Vec::new(), body: RequestBody::None };
    match crate::http::send(&request, None).await {
        Ok(HttpResponse { status: 200, body, .. }) => match AppConfig::parse(&body) {
            Ok(config) => ConfigState::Loaded(config),
            Err(message) => ConfigState::Failed(message),
        },
        Ok(response) => ConfigState::Failed(format!("the gateway's /config.json answered {}", response.status)),
        Err(crate::http::FetchFailure::Failed(e)) => ConfigState::Failed(e.headline()),
        Err(crate::http::FetchFailure::Aborted) => ConfigState::Failed("loading /config.json was aborted".into()),
    }
}
