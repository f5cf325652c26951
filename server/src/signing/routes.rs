//! The signing routes: the public key (for anyone), signing (a signed-in person's own export),
//! checking (the `/verify` page).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};

use super::{ExportSigner, Exporter, KEY_PATH, SignedManifest};
use crate::access_log::{AccessLog, Entry, Kind};
use crate::auth::SignedIn;

#[derive(Clone)]
struct Signing {
    signer: Arc<ExportSigner>,
    log: Option<Arc<AccessLog>>,
}

pub fn routes(signer: Arc<ExportSigner>, log: Option<Arc<AccessLog>>) -> Router {
    Router::new()
        .route(KEY_PATH, get(public_key))
        .route("/exports/sign", post(sign))
        .route("/exports/verify", post(check))
        .with_state(Signing { signer, log })
}

async fn public_key(State(signing): State<Signing>) -> Response {
    let body = serde_json::json!({
        "alg": "Ed25519",
        "key_id": signing.signer.key_id(),
        "public_key": signing.signer.public_key_base64(),
        "signs": "the canonical JSON (keys sorted, no spaces) of {manifest, exported_by, signed_at, key_id}",
    });
    ([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response()
}

async fn sign(
    State(signing): State<Signing>,
    signed_in: Option<Extension<SignedIn>>,
    Json(manifest): Json<serde_json::Value>,
) -> Response {
    let Some(Extension(SignedIn(who))) = signed_in else {
        return crate::web::json_problem(StatusCode::UNAUTHORIZED, "Only a signed-in person's exports are signed.");
    };
    if !manifest.is_object() {
        return crate::web::json_problem(StatusCode::BAD_REQUEST, "A manifest is a JSON object.");
    }
    let exporter = Exporter { subject: who.subject.clone(), email: who.email.clone() };
    let signed_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let signed = signing.signer.sign(manifest, exporter, signed_at);
    if let Some(log) = &signing.log {
        let mut entry = Entry::now(Kind::Export, Some(&who));
        entry.method = "POST".into();
        entry.path = "/exports/sign".into();
        entry.status = 200;
        let m = &signed.manifest;
        entry.detail = format!(
            "{} ({} rows, sha256 {}) from {}",
            m["file_name"].as_str().unwrap_or("?"),
            m["row_count"],
            m["sha256"].as_str().unwrap_or("?"),
            m["view_url"].as_str().unwrap_or("?")
        );
        log.record(entry);
    }
    ([(header::CACHE_CONTROL, "no-store")], Json(signed)).into_response()
}

async fn check(State(signing): State<Signing>, Json(signed): Json<SignedManifest>) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(signing.signer.check(&signed))).into_response()
}
