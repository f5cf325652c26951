//! The Content-Security-Policy every response carries. The only script it lets run inline is the
//! one the build writes into index.html (public/boot.js, so a page starts with no file to fetch
//! first), allowed by its SHA-256 and read from the page being served.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use axum::http::{HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::config::GatewayConfig;

/// The policy: scripts from this origin and the page's own inline scripts (by hash), wasm allowed
/// to compile, and network access only to this origin plus the configured upstream origins.
pub fn content_security_policy(config: &GatewayConfig, inline_scripts: &[String]) -> String {
    let mut connect = vec!["'self'".to_string()];
    connect.extend(config.connect_origins());
    let mut script = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    script.extend(inline_scripts.iter().cloned());
    format!(
        "default-src 'self'; script-src {}; style-src 'self'; img-src 'self' data:; \
         connect-src {}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        script.join(" "),
        connect.join(" ")
    )
}

/// The `'sha256-…'` source of each inline script in `html` (a `<script>` without `src`, with
/// something in it): the hash of its text as the browser reads it (line ends made `\n`).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let Some(open_end) = lower[start..].find('>').map(|i| start + i + 1) else { break };
        let Some(close) = lower[open_end..].find("</script").map(|i| open_end + i) else { break };
        let has_src = lower[start..open_end].split_ascii_whitespace().any(|attribute| attribute.starts_with("src="));
        let text = html[open_end..close].replace("\r\n", "\n").replace('\r', "\n");
        if !has_src && !text.is_empty() {
            let digest = Sha256::digest(text.as_bytes());
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        at = close;
    }
    hashes
}

/// When index.html was last written, and its length: a new build changes either.
type Stamp = Option<(SystemTime, u64)>;

/// The header for the build in `dist`, made again when its index.html changes (a new build under a
/// running gateway brings a new boot script, whose old hash would stop the app from starting).
pub struct Policy {
    config: GatewayConfig,
    index: PathBuf,
    made: Mutex<Option<(Stamp, HeaderValue)>>,
}

impl Policy {
    pub fn new(config: &GatewayConfig, dist: &Path) -> Self {
        Policy { config: config.clone(), index: dist.join("index.html"), made: Mutex::new(None) }
    }

    pub fn header(&self) -> HeaderValue {
        let stamp: Stamp = std::fs::metadata(&self.index).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        let mut made = self.made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((made_for, value)) = made.as_ref()
            && *made_for == stamp
        {
            return value.clone();
        }
        let hashes = std::fs::read_to_string(&self.index).map(|html| inline_script_hashes(&html)).unwrap_or_default();
        let value = HeaderValue::from_str(&content_security_policy(&self.config, &hashes))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        *made = Some((stamp, value.clone()));
        value
    }
}

/// Sets the policy on every response.
pub async fn set_policy(
    axum::extract::State(policy): axum::extract::State<std::sync::Arc<Policy>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy.header());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected hashes: `printf '<text>' | openssl dgst -sha256 -binary | base64`.
    #[test]
    fn an_inline_script_is_allowed_by_the_hash_of_its_text() {
        let html = "<head><script type=\"module\" async data-wasm=\"/a.wasm\">console.log(1);\n</script></head>";
        assert_eq!(inline_script_hashes(html), ["'sha256-tgPZRusrOWyk7PZcIj2v9lnb5vHP6sI1t8YdO6aWTK4='"]);
    }

    #[test]
    fn scripts_from_files_and_empty_ones_have_no_hash() {
        let html = "<script src=\"/boot.js\"></script><script type=module></script><SCRIPT>a\r\nb</SCRIPT>";
        assert_eq!(inline_script_hashes(html), ["'sha256-fhj3NzEbLcOy8mndeDlrA1HxT7Zu+oefdoyyMYGIPHg='"]);
    }

    #[test]
    fn the_policy_names_the_hashes_and_never_unsafe_inline() {
        let policy = content_security_policy(&GatewayConfig::default(), &["'sha256-abc='".into()]);
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc=';"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
    }
}
