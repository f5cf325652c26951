//! In-process gateway for the server's integration tests: one data set per test binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use auditdeck_server::{Dataset, GatewayConfig, GatewayOptions};
use axum::Router;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Where the in-process gateway pretends to listen, and the Host its requests name.
pub const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
pub const HOST: &str = "127.0.0.1:8080";

pub fn shared_data() -> Arc<Dataset> {
    static DATA: OnceLock<Arc<Dataset>> = OnceLock::new();
    DATA.get_or_init(|| Arc::new(Dataset::generate())).clone()
}

pub struct TestGateway {
    pub router: Router,
    pub auth: Option<Arc<auditdeck_server::auth::Auth>>,
    pub data: Arc<Dataset>,
    pub sandbox: auditdeck_server::Sandbox,
    pub signals: Option<Arc<auditdeck_server::signals::Signals>>,
}

impl TestGateway {
    pub fn new() -> Self {
        Self::with(GatewayConfig::default(), PathBuf::from("/nonexistent-dist"), |_| None)
    }

    pub fn with(config: GatewayConfig, dist: PathBuf, env: impl Fn(&str) -> Option<String>) -> Self {
        let data = shared_data();
        let gateway =
            auditdeck_server::build(GatewayOptions { dist, config, bind: LOOPBACK }, data.clone(), env).unwrap();
        TestGateway {
            router: gateway.router,
            auth: gateway.auth,
            data,
            sandbox: gateway.sandbox,
            signals: gateway.signals,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Body,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        self.request_with(method, path, auth, body, &[]).await
    }

    pub async fn request_with(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Body,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut builder = Request::builder().method(method).uri(path);
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            builder = builder.header(header::HOST, HOST);
        }
        if let Some(auth) = auth {
            builder = builder.header(header::AUTHORIZATION, auth);
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let (content_type, bytes) = body.into_parts();
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        let response = self.router.clone().oneshot(builder.body(axum::body::Body::from(bytes)).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    }
}

pub enum Body {
    Empty,
    Raw(&'static str, Vec<u8>),
    Typed(String, Vec<u8>),
}

impl Body {
    fn into_parts(self) -> (Option<String>, Vec<u8>) {
        match self {
            Body::Empty => (None, Vec::new()),
            Body::Raw(ct, b) => (Some(ct.to_string()), b),
            Body::Typed(ct, b) => (Some(ct), b),
        }
    }
}

/// A multipart/form-data body as `curl -F name=value` sends it.
pub fn multipart(fields: &[(&str, &str)]) -> Body {
    let boundary = "------------------------auditdecktest";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    Body::Typed(format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

pub fn urlencoded(fields: &[(&str, &str)]) -> Body {
    let body = fields.iter().map(|(k, v)| format!("{k}={}", v.replace(':', "%3A"))).collect::<Vec<_>>().join("&");
    Body::Raw("application/x-www-form-urlencoded", body.into_bytes())
}

/// A sandbox on its own port, as a vendor the gateway proxies to: `http://{addr}/sandbox/…`.
/// Its request count is what the vendor saw.
pub async fn serve_sandbox(iden_rate_limit: u32) -> (std::net::SocketAddr, auditdeck_server::Sandbox) {
    let sandbox = auditdeck_server::Sandbox::new(
        shared_data(),
        auditdeck_server::sandbox::SandboxOptions { iden_rate_limit, profile: Default::default(), request_log: true },
    );
    let app = Router::new().nest("/sandbox", sandbox.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, sandbox)
}

/// Someone the identity provider would describe: `{login}@example.org`, in `groups`.
pub fn person(login: &str, groups: &[&str]) -> auditdeck_server::auth::Identity {
    auditdeck_server::auth::Identity {
        subject: format!("sub-{login}"),
        email: Some(format!("{login}@example.org")),
        name: Some(login.into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

/// Signs `who` in through the gateway's own session store; returns the Cookie header.
pub fn session(gw: &TestGateway, who: auditdeck_server::auth::Identity) -> String {
    let token = gw.auth.as_ref().expect("sign-in is configured").sessions.start(who);
    format!("auditdeck_session={token}")
}
