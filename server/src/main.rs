use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
#[cfg(feature = "sandbox")]
use std::sync::Arc;

use auditdeck_server::{GatewayConfig, GatewayOptions};
use clap::Parser;

/// Auditdeck gateway: serves the app, proxies vendor APIs, runs the built-in sandbox (when built
/// with it).
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The built app (trunk's output directory).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Gateway configuration (TOML): upstreams, credentials, timeouts. See README.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The Iden sandbox's rate limit in requests a minute per key (vendor: 60; 0 turns it off).
    #[cfg(feature = "sandbox")]
    #[arg(long)]
    iden_rate_limit: Option<u32>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(message) = run(args).await {
        eprintln!("auditdeck-server: {message}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    // Only the sandbox's own flags change what the file says.
    #[cfg_attr(not(feature = "sandbox"), allow(unused_mut))]
    let mut config = match &args.config {
        Some(path) => GatewayConfig::load(path)?,
        None => GatewayConfig::default(),
    };
    #[cfg(feature = "sandbox")]
    if let Some(limit) = args.iden_rate_limit {
        config.sandbox_iden_rate_limit = limit;
    }
    #[cfg(feature = "sandbox")]
    if config.sandbox && config.signals.is_none() {
        config.signals = Some(sandbox_signals(&args)?);
    }
    #[cfg(feature = "sandbox")]
    let data = Arc::new(auditdeck_server::Dataset::generate());
    let gateway = auditdeck_server::build(
        GatewayOptions { dist: args.dist.clone(), config: config.clone(), bind: args.bind },
        #[cfg(feature = "sandbox")]
        data.clone(),
        |name| std::env::var(name).ok(),
    )?;
    if let Some(signals) = &gateway.signals {
        auditdeck_server::signals::poll::spawn_pollers(signals.clone(), &|name: &str| std::env::var(name).ok())?;
    }
    let addr = SocketAddr::new(args.bind, args.port);
    #[cfg(feature = "sandbox")]
    if config.sandbox {
        gateway.sandbox.iden.spawn_live_events();
        gateway.sandbox.standfast.spawn_live_events();
        if let Some(setup) = config.signals.as_ref().and_then(|s| s.sandbox.as_ref()) {
            gateway.sandbox.ssf.spawn_pushes(setup.per_minute);
        }
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let shown = match args.bind {
        IpAddr::V6(_) => format!("http://[{}]:{}", args.bind, args.port),
        IpAddr::V4(_) => format!("http://{}:{}", args.bind, args.port),
    };
    println!("Auditdeck is running at {shown}/");
    #[cfg(feature = "sandbox")]
    if config.sandbox {
        print_sandbox(&shown, &config, &data, &gateway.sandbox);
    }
    for upstream in &config.upstreams {
        let who =
            if upstream.credential.is_some() { "gateway adds the credential" } else { "browser sends the credential" };
        println!("  upstream {:<12} {} -> {} ({who})", upstream.id, upstream.label, upstream.base_url);
    }
    println!();
    println!("Press Ctrl-C to stop.");
    let served = auditdeck_server::serve::serve(listener, gateway.router, gateway.client_limits, async {
        let _ = tokio::signal::ctrl_c().await;
        println!("\nStopping.");
    })
    .await;
    if let Some(log) = &gateway.access_log {
        log.flush();
    }
    served.map_err(|e| format!("server error: {e}"))
}

/// Without a `[signals]` section, the sandbox's transmitter pushes a few signals a minute to this
/// gateway, kept in a file under the system's temporary directory (kept across restarts).
#[cfg(feature = "sandbox")]
fn sandbox_signals(args: &Args) -> Result<auditdeck_server::signals::SignalsConfig, String> {
    let host = match args.bind {
        IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let origin = url::Url::parse(&format!("http://{host}:{}", args.port)).map_err(|e| e.to_string())?;
    let database = std::env::temp_dir().join(format!("auditdeck-sandbox-signals-{}.sqlite", args.port));
    Ok(auditdeck_server::signals::SignalsConfig::sandbox(origin, database, 4))
}

/// The sandbox's connections, as a person pastes them into Settings or a client.
#[cfg(feature = "sandbox")]
fn print_sandbox(
    shown: &str,
    config: &GatewayConfig,
    data: &auditdeck_server::Dataset,
    sandbox: &auditdeck_server::Sandbox,
) {
    use auditdeck_server::sandbox::iden::{ORG_SLUG as IDEN_ORG, SANDBOX_KEY as IDEN_KEY};
    use auditdeck_server::sandbox::idme::{SANDBOX_SECRET, SANDBOX_SECRET_INTERNAL_ERROR, issued_id};
    use auditdeck_server::sandbox::standfast::SANDBOX_KEY as STANDFAST_KEY;
    use auditdeck_server::sandbox::standfast::data::WORKSPACES;
    use base64::Engine;

    let encoded = base64::engine::general_purpose::STANDARD.encode(SANDBOX_SECRET);
    let busiest = data.busiest_ips(1);
    println!();
    println!(
        "Built-in sandbox ({} people; {} ID.me, {} Standfast, {} Iden events):",
        data.people.len(),
        data.idme_events.len(),
        data.standfast.len(),
        sandbox.iden.len()
    );
    println!("  ID.me base URL     {shown}/sandbox/idme");
    println!("  shared secret      {SANDBOX_SECRET}");
    println!("  header             Authorization: ID.me {encoded}   (or: Bearer ID.me {encoded})");
    println!("  error-500 secret   {SANDBOX_SECRET_INTERNAL_ERROR}");
    // The audit log's records carry no id; the Events API knows the ids ID.me issued.
    println!("  Events API id      {shown}/events/{}   (an id ID.me issued; search results carry none)", issued_id(0));
    println!();
    if let Some(signals) = config.signals.as_ref().filter(|s| s.sandbox.is_some()) {
        let kept = signals.database.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        println!(
            "  Signals            {shown}/signals   (the sandbox transmitter pushes to {shown}/ssf/sandbox; kept in {kept})"
        );
    }
    println!("  Standfast base URL {shown}/sandbox/standfast   (Authorization: Bearer {})", STANDFAST_KEY);
    for (workspace, _) in WORKSPACES {
        println!("  Standfast workspace {workspace}");
    }
    println!(
        "  Iden base URL      {shown}/sandbox/iden   (org slug {IDEN_ORG}, Authorization: Api-Key {IDEN_KEY}, {} requests/min)",
        config.sandbox_iden_rate_limit
    );
    if let Some((ip, n)) = busiest.first() {
        println!("  try                {shown}/ip/{ip}   ({n} events)");
    }
}
