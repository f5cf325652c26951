use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use auditdeck_sandbox::iden::{ORG_SLUG as IDEN_ORG, SANDBOX_KEY as IDEN_KEY};
use auditdeck_sandbox::idme::{SANDBOX_SECRET, SANDBOX_SECRET_INTERNAL_ERROR, issued_id};
use auditdeck_sandbox::standfast::SANDBOX_KEY as STANDFAST_KEY;
use auditdeck_sandbox::standfast::data::WORKSPACES;
use auditdeck_server::{Dataset, GatewayConfig, GatewayOptions};
use base64::Engine;
use clap::Parser;

/// Auditdeck gateway: serves the app, proxies vendor APIs, runs the built-in sandbox.
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
    let mut config = match &args.config {
        Some(path) => GatewayConfig::load(path)?,
        None => GatewayConfig::default(),
    };
    if let Some(limit) = args.iden_rate_limit {
        config.sandbox_iden_rate_limit = limit;
    }
    let data = Arc::new(Dataset::generate());
    let busiest = data.busiest_ips(1);
    let gateway = auditdeck_server::build(
        GatewayOptions { dist: args.dist.clone(), config: config.clone() },
        data.clone(),
        |name| std::env::var(name).ok(),
    )?;
    let addr = SocketAddr::new(args.bind, args.port);
    if config.sandbox {
        gateway.sandbox.iden.spawn_live_events();
        gateway.sandbox.standfast.spawn_live_events();
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let shown = match args.bind {
        IpAddr::V6(_) => format!("http://[{}]:{}", args.bind, args.port),
        IpAddr::V4(_) => format!("http://{}:{}", args.bind, args.port),
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(SANDBOX_SECRET);
    println!("Auditdeck is running at {shown}/");
    if config.sandbox {
        println!();
        println!(
            "Built-in sandbox ({} people; {} ID.me, {} Standfast, {} Iden events):",
            data.people.len(),
            data.idme_events.len(),
            data.standfast.len(),
            gateway.sandbox.iden.len()
        );
        println!("  ID.me base URL     {shown}/sandbox/idme");
        println!("  shared secret      {SANDBOX_SECRET}");
        println!("  header             Authorization: ID.me {encoded}   (or: Bearer ID.me {encoded})");
        println!("  error-500 secret   {SANDBOX_SECRET_INTERNAL_ERROR}");
        // The audit log's records carry no id; the Events API knows the ids ID.me issued.
        println!(
            "  Events API id      {shown}/events/{}   (an id ID.me issued; search results carry none)",
            issued_id(0)
        );
        println!();
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
    for upstream in &config.upstreams {
        let who =
            if upstream.credential.is_some() { "gateway adds the credential" } else { "browser sends the credential" };
        println!("  upstream {:<12} {} -> {} ({who})", upstream.id, upstream.label, upstream.base_url);
    }
    println!();
    println!("Press Ctrl-C to stop.");
    axum::serve(listener, gateway.router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            println!("\nStopping.");
        })
        .await
        .map_err(|e| format!("server error: {e}"))
}
