//! Auditdeck's gateway: serves the built app, proxies `/upstream/{id}/…` to vendor bases
//! (adding the credential itself when configured), and, built with the `sandbox` feature (the
//! default; production builds leave it out), runs the built-in sandbox.

pub mod access_log;
pub mod auth;
pub mod config;
pub mod csp;
pub mod database;
pub mod guard;
pub mod proxy;
pub mod serve;
pub mod signals;
pub mod signing;
pub mod web;

/// The built-in sandbox (its own crate), mounted under `/sandbox` when the config offers it.
#[cfg(feature = "sandbox")]
pub use auditdeck_sandbox as sandbox;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

pub use config::GatewayConfig;
#[cfg(feature = "sandbox")]
pub use sandbox::{Dataset, Sandbox};

/// Everything the gateway needs to build its router.
pub struct GatewayOptions {
    /// The trunk output directory (`dist/`).
    pub dist: PathBuf,
    pub config: GatewayConfig,
    /// The address it listens on: a Host it answers to, and whether it may hold credentials
    /// without sign-in ([`GatewayConfig::check_exposure`]).
    pub bind: IpAddr,
}

/// A built gateway: its router, how it accepts clients, and the sandbox (tests read its request
/// counter).
pub struct Gateway {
    pub router: Router,
    pub client_limits: serve::ClientLimits,
    /// Sign-in, when configured: its session store (tests sign people in through it).
    pub auth: Option<Arc<auth::Auth>>,
    /// The access log, when configured (flushed on shutdown).
    pub access_log: Option<Arc<access_log::AccessLog>>,
    /// Pushed security signals, when configured.
    pub signals: Option<Arc<signals::Signals>>,
    #[cfg(feature = "sandbox")]
    pub sandbox: Sandbox,
}

/// Builds the gateway on a data set (generate it once with [`Dataset::generate`] and share it).
/// `env` looks up the environment variables that hold upstream credentials.
pub fn build(
    options: GatewayOptions,
    #[cfg(feature = "sandbox")] data: Arc<Dataset>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Gateway, String> {
    let config = &options.config;
    config.validate()?;
    config.check_exposure(options.bind)?;
    let access_log = config.access_log.as_ref().map(access_log::AccessLog::open).transpose()?;
    let auth = match (&config.auth, &config.public_url) {
        (Some(auth), Some(public_url)) => Some(Arc::new(auth::Auth::new(auth, public_url, &env, access_log.clone())?)),
        _ => None,
    };
    let proxy = proxy::Proxy::new(config, &env, access_log.clone())?;
    let signals = match &config.signals {
        Some(signals) => {
            Some(signals::Signals::open(signals, config.access_log.as_ref().map(|a| a.path.as_path()), &env)?)
        }
        None => None,
    };
    let router =
        Router::new().merge(web::config_route(config)).route("/upstream/{*rest}", any(proxy::handle).with_state(proxy));
    #[cfg(feature = "sandbox")]
    let (router, sandbox) = with_sandbox(router, config, data);
    let router = match &access_log {
        Some(log) => router.merge(access_log::routes::routes(log.clone(), config.auth.clone())),
        None => router,
    };
    let router = match export_signer(config, access_log.as_ref())? {
        Some(signer) => router.merge(signing::routes::routes(signer, access_log.clone())),
        None => router,
    };
    let router = match &signals {
        Some(signals) => router.merge(signals::routes::view_routes(signals.clone(), config.auth.is_some())),
        None => router,
    };
    let mut router = router
        .merge(web::app_routes(&options.dist))
        .layer(axum::middleware::from_fn_with_state(auth.clone(), auth::require_session));
    // Routes that take no user session: sign-in itself, and transmitters pushing signals (they
    // are authenticated by signature).
    if let Some(auth) = &auth {
        router = router.merge(auth::routes(auth.clone()));
    }
    if let Some(signals) = &signals {
        router = router.merge(signals::routes::push_routes(signals.clone()));
    }
    #[cfg(feature = "sandbox")]
    {
        router = with_sandbox_transmitter(router, config, &sandbox);
    }
    let guard = Arc::new(guard::Guard::new(options.bind, config.public_url.as_ref(), access_log.clone()));
    let router = router
        .layer(CompressionLayer::new())
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs_f64(config.client_timeout_secs)))
        .layer(axum::middleware::from_fn_with_state(guard, guard::check))
        .layer(GlobalConcurrencyLimitLayer::new(config.max_concurrent_requests));
    let router = web::security_headers(router, config, &options.dist);
    let client_limits = serve::ClientLimits {
        header_timeout: Duration::from_secs_f64(config.client_timeout_secs),
        max_connections: config.max_connections,
    };
    Ok(Gateway {
        router,
        client_limits,
        auth,
        access_log,
        signals,
        #[cfg(feature = "sandbox")]
        sandbox,
    })
}

/// The export signer, when the gateway signs people in and has somewhere to keep its key.
fn export_signer(
    config: &GatewayConfig,
    log: Option<&Arc<access_log::AccessLog>>,
) -> Result<Option<Arc<signing::ExportSigner>>, String> {
    if config.auth.is_none() {
        return Ok(None);
    }
    let seed = match (&config.signing, log) {
        (Some(signing), _) => signing::seed_from_file(&signing.key_file)?,
        (None, Some(log)) => log.signing_seed()?,
        (None, None) => return Ok(None),
    };
    Ok(Some(Arc::new(signing::ExportSigner::from_seed(seed))))
}

/// The sandbox's SSF transmitter, when `[signals.sandbox]` asks for it: told its issuer and where
/// to push, its configuration and keys public (the gateway fetches them without a session).
#[cfg(feature = "sandbox")]
fn with_sandbox_transmitter(router: Router, config: &GatewayConfig, sandbox: &Sandbox) -> Router {
    let Some(setup) = config.signals.as_ref().and_then(|s| s.sandbox.as_ref()) else { return router };
    if !config.sandbox {
        return router;
    }
    let issuer = signals::config::sandbox_url(&setup.origin, "/sandbox/ssf");
    let push_url = signals::config::sandbox_url(&setup.origin, &format!("/ssf/{}", signals::config::SANDBOX_RECEIVER));
    sandbox.ssf.configure(sandbox::ssf::Setup {
        issuer: issuer.as_str().trim_end_matches('/').to_string(),
        audience: push_url.to_string(),
        push_url: push_url.to_string(),
    });
    router
        .nest("/sandbox/ssf", sandbox.ssf.router(config.sandbox_faults))
        .merge(sandbox.ssf.well_known_router("/sandbox/ssf"))
}

/// The sandbox on `data`, its routes nested under `/sandbox` when the config offers it.
#[cfg(feature = "sandbox")]
fn with_sandbox(mut router: Router, config: &GatewayConfig, data: Arc<Dataset>) -> (Router, Sandbox) {
    let options = config;
    let sandbox = Sandbox::new(
        data,
        sandbox::SandboxOptions {
            iden_rate_limit: options.sandbox_iden_rate_limit,
            profile: options.sandbox_profile,
            request_log: options.sandbox_request_log,
        },
    );
    if options.sandbox {
        let mut sandbox_routes = sandbox.router();
        if options.sandbox_faults {
            sandbox_routes = sandbox_routes.merge(sandbox.faults.router());
        }
        router = router.nest("/sandbox", sandbox_routes);
    }
    (router, sandbox)
}
