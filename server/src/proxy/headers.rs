//! The headers the proxy passes, by allowlist in both directions. Anything else a browser sends
//! (forwarding claims, method overrides, cookies) never reaches a vendor, and anything else a
//! vendor answers (CORS grants, cookies) never reaches the browser.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

/// What the app's requests need: the form's type (ID.me's multipart boundary), what it accepts,
/// and the browser's credential when the gateway does not add its own.
const TO_VENDOR: [HeaderName; 3] = [header::ACCEPT, header::CONTENT_TYPE, header::AUTHORIZATION];

/// What the app reads from an answer: its type and encoding, and a 429's Retry-After.
const TO_BROWSER: [HeaderName; 3] = [header::CONTENT_TYPE, header::CONTENT_ENCODING, header::RETRY_AFTER];

/// Headers to send upstream: the allowlisted ones, the browser's Authorization replaced by the
/// gateway's when it holds a credential.
pub fn to_vendor(incoming: &HeaderMap, gateway_authorization: Option<&HeaderValue>) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in TO_VENDOR {
        if name == header::AUTHORIZATION && gateway_authorization.is_some() {
            continue;
        }
        for value in incoming.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(value) = gateway_authorization {
        out.insert(header::AUTHORIZATION, value.clone());
    }
    out
}

/// Headers to send back: the allowlisted ones, and `no-store`: an answer holds people's events,
/// which no browser or shared cache should keep.
pub fn to_browser(upstream: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in TO_BROWSER {
        for value in upstream.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowlisted_request_headers_go_to_the_vendor() {
        let mut h = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("host", "127.0.0.1:8080"),
            ("cookie", "auditdeck_session=abc"),
            ("authorization", "ID.me browser"),
            ("accept", "application/json"),
            ("content-type", "multipart/form-data; boundary=x"),
            ("x-forwarded-for", "10.0.0.1"),
            ("forwarded", "for=10.0.0.1"),
            ("x-http-method-override", "DELETE"),
            ("origin", "http://127.0.0.1:8080"),
        ] {
            h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let gateway = HeaderValue::from_static("ID.me gateway");
        let out = to_vendor(&h, Some(&gateway));
        let mut names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        names.sort();
        assert_eq!(names, ["accept", "authorization", "content-type"]);
        assert_eq!(out[header::AUTHORIZATION], "ID.me gateway");
        assert_eq!(to_vendor(&h, None)[header::AUTHORIZATION], "ID.me browser");
    }

    #[test]
    fn only_allowlisted_answer_headers_reach_the_browser() {
        let mut h = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("retry-after", "42"),
            ("set-cookie", "vendor=1"),
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", "true"),
            ("cache-control", "public, max-age=600"),
            ("x-vendor-internal", "node-7"),
        ] {
            h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let out = to_browser(&h);
        let mut names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        names.sort();
        assert_eq!(names, ["cache-control", "content-type", "retry-after"]);
        assert_eq!(out[header::CACHE_CONTROL], "no-store");
        assert_eq!(out[header::RETRY_AFTER], "42");
    }
}
