//! Which vendor requests `/upstream/{id}/…` forwards: each provider's documented methods and
//! paths, nothing else, and never a path that could climb out of the configured base.

use axum::http::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use crate::config::{Provider, UpstreamConfig};

/// One path the documents describe: literal segments, and `None` for a segment that varies
/// (a uuid, a workspace, an org slug, an event id).
struct Documented {
    method: Method,
    segments: Vec<Option<String>>,
    /// Iden's path ends with `/` (`/org/{slug}/api/events/`).
    trailing_slash: bool,
}

fn documented(method: Method, path: &str) -> Documented {
    let trailing_slash = path.ends_with('/');
    let segments = path
        .trim_matches('/')
        .split('/')
        .map(|s| if s.starts_with('{') && s.ends_with('}') { None } else { Some(s.to_string()) })
        .collect();
    Documented { method, segments, trailing_slash }
}

/// The requests each provider documents (NOTES.md for the ID.me prefix and Events API path).
fn documented_paths(upstream: &UpstreamConfig) -> Vec<Documented> {
    match upstream.provider {
        Provider::Idme => vec![
            documented(Method::POST, "/api/v1/events/search"),
            documented(Method::POST, "/api/v1/events/user/{uuid}"),
            documented(Method::GET, &upstream.events_path),
        ],
        Provider::Standfast => vec![documented(Method::GET, "/api/workspaces/{ws}/identity-events")],
        Provider::Iden => vec![documented(Method::GET, "/org/{slug}/api/events/")],
    }
}

/// True for an Events API template the gateway can match: starts with `/`, `{id}` once, as a
/// whole segment.
pub fn is_events_path_template(template: &str) -> bool {
    template.starts_with('/')
        && template.matches("{id}").count() == 1
        && template.split('/').any(|s| s == "{id}")
        && !template.contains('?')
}

/// Why a request is refused: its status and the sentence the app shows.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

/// Checks `rest` (the request path after `/upstream/{id}/`, still percent-encoded).
pub fn check(upstream: &UpstreamConfig, method: &Method, rest: &str) -> Result<(), Refusal> {
    let segments: Vec<&str> = rest.split('/').collect();
    for segment in &segments {
        unsafe_segment(segment)?;
    }
    let trailing_slash = rest.ends_with('/');
    let segments = if trailing_slash { &segments[..segments.len() - 1] } else { &segments[..] };
    if segments.iter().any(|s| s.is_empty()) {
        return Err(not_documented(upstream, rest));
    }
    let matching: Vec<Documented> = documented_paths(upstream)
        .into_iter()
        .filter(|d| {
            d.trailing_slash == trailing_slash
                && d.segments.len() == segments.len()
                && d.segments.iter().zip(segments).all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
        })
        .collect();
    if matching.is_empty() {
        return Err(not_documented(upstream, rest));
    }
    if !matching.iter().any(|d| d.method == *method) {
        let allowed: Vec<&str> = matching.iter().map(|d| d.method.as_str()).collect();
        return Err(Refusal {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!(
                "the gateway forwards only {} on this {} path, not {method}",
                allowed.join(", "),
                upstream.label
            ),
        });
    }
    Ok(())
}

fn not_documented(upstream: &UpstreamConfig, rest: &str) -> Refusal {
    Refusal {
        status: StatusCode::NOT_FOUND,
        message: format!("/{rest} is not a {} API path the gateway forwards", upstream.label),
    }
}

/// A segment that is, or decodes to, `.` or `..`, or that hides a `/` or `\` (encoded slashes
/// and backslashes are read as separators by some servers): the request could leave the base.
fn unsafe_segment(segment: &str) -> Result<(), Refusal> {
    let decoded = percent_decode_str(segment).collect::<Vec<u8>>();
    let refused = |what: &str| {
        Err(Refusal { status: StatusCode::BAD_REQUEST, message: format!("the request path holds {what}") })
    };
    if decoded == b"." || decoded == b".." {
        return refused("a dot segment");
    }
    if decoded.contains(&b'/') && segment.contains('%') {
        return refused("an encoded slash");
    }
    if decoded.contains(&b'\\') {
        return refused("a backslash");
    }
    if decoded.iter().any(|b| b.is_ascii_control()) {
        return refused("a control character");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(provider: &str) -> UpstreamConfig {
        toml::from_str(&format!(
            "id = \"x\"\nprovider = \"{provider}\"\nlabel = \"X\"\nbase_url = \"https://v.example\""
        ))
        .unwrap()
    }

    #[test]
    fn each_providers_documented_requests_pass() {
        let idme = upstream("idme");
        assert_eq!(check(&idme, &Method::POST, "api/v1/events/search"), Ok(()));
        assert_eq!(check(&idme, &Method::POST, "api/v1/events/user/ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2"), Ok(()));
        assert_eq!(check(&idme, &Method::GET, "api/v1/events/idme-123"), Ok(()));
        assert_eq!(check(&upstream("standfast"), &Method::GET, "api/workspaces/ws-1/identity-events"), Ok(()));
        assert_eq!(check(&upstream("iden"), &Method::GET, "org/acme/api/events/"), Ok(()));
    }

    #[test]
    fn a_configured_events_path_replaces_the_default() {
        let mut idme = upstream("idme");
        idme.events_path = "/v2/event/{id}/detail".into();
        assert_eq!(check(&idme, &Method::GET, "v2/event/e1/detail"), Ok(()));
        assert_eq!(check(&idme, &Method::GET, "api/v1/events/e1").unwrap_err().status, StatusCode::NOT_FOUND);
        assert!(is_events_path_template("/v2/event/{id}/detail"));
        assert!(!is_events_path_template("/v2/event-{id}"));
        assert!(!is_events_path_template("v2/{id}"));
    }

    #[test]
    fn other_methods_and_paths_are_refused() {
        let idme = upstream("idme");
        assert_eq!(check(&idme, &Method::POST, "api/v1/events/e1").unwrap_err().status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            check(&idme, &Method::DELETE, "api/v1/events/user/u").unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(check(&idme, &Method::POST, "api/v2/admin").unwrap_err().status, StatusCode::NOT_FOUND);
        assert_eq!(check(&idme, &Method::POST, "").unwrap_err().status, StatusCode::NOT_FOUND);
        let iden = upstream("iden");
        assert_eq!(check(&iden, &Method::GET, "org/acme/api/events").unwrap_err().status, StatusCode::NOT_FOUND);
        assert_eq!(
            check(&iden, &Method::POST, "org/acme/api/events/").unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(check(&iden, &Method::GET, "org//api/events/").unwrap_err().status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn segments_that_could_leave_the_base_are_bad_requests() {
        let idme = upstream("idme");
        for rest in [
            "api/v1/events/user/..",
            "api/v1/events/user/.",
            "api/v1/events/user/%2e%2e",
            "api/v1/events/user/%2E%2e",
            "api/v1/events/user/.%2E",
            "api/v1/events/user/a%2Fb",
            "api/v1/events/user/a%2fb",
            "api/v1/events/user/a%5Cb",
            "api/v1/events/user/a\\b",
            "api/v1/events/user/a%00",
            "api/v1/../../admin/search",
        ] {
            assert_eq!(check(&idme, &Method::POST, rest).unwrap_err().status, StatusCode::BAD_REQUEST, "{rest}");
        }
        // A percent sign that is not a dot, slash or backslash is an ordinary character.
        assert_eq!(check(&idme, &Method::POST, "api/v1/events/user/a%20b"), Ok(()));
    }
}
