//! Auditdeck's gateway: serves the built app, proxies `/upstream/{id}/…` to vendor bases
//! (adding the credential itself when configured), and runs the built-in sandbox.

pub mod config;
pub mod proxy;
pub mod web;

/// The built-in sandbox (its own crate), mounted under `/sandbox` when the config offers it.
pub use auditdeck_sandbox as sandbox;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::any;
use tower_http::compression::CompressionLayer;

pub use config::GatewayConfig;
pub use sandbox::{Dataset, Sandbox};

/// Everything the gateway needs to build its router.
pub struct GatewayOptions {
    /// The trunk output directory (`dist/`).
    pub dist: PathBuf,
    pub config: GatewayConfig,
}

/// A built gateway: its router, and the sandbox (tests read its request counter).
pub struct Gateway {
    pub router: Router,
    pub sandbox: Sandbox,
}

/// Builds the gateway on a data set (generate it once with [`Dataset::generate`] and share it).
/// `env` looks up the environment variables that hold upstream credentials.
pub fn build(
    options: GatewayOptions,
    data: Arc<Dataset>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Gateway, String> {
    options.config.validate()?;
    let sandbox = Sandbox::new(
        data,
        sandbox::SandboxOptions {
            iden_rate_limit: options.config.sandbox_iden_rate_limit,
            profile: options.config.sandbox_profile,
            request_log: options.config.sandbox_request_log,
        },
    );
    let proxy = proxy::Proxy::new(&options.config, env)?;
    let mut router = Router::new()
        .merge(web::config_route(&options.config))
        .route("/upstream/{*rest}", any(proxy::handle).with_state(proxy));
    if options.config.sandbox {
        let mut sandbox_routes = sandbox.router();
        if options.config.sandbox_faults {
            sandbox_routes = sandbox_routes.merge(sandbox.faults.router());
        }
        router = router.nest("/sandbox", sandbox_routes);
    }
    let router = router.merge(web::app_routes(&options.dist)).layer(CompressionLayer::new());
    let router = web::security_headers(router, &options.config);
    Ok(Gateway { router, sandbox })
}
