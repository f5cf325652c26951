//! Signed export manifests: the gateway signs a signed-in person's manifest with its Ed25519
//! key, publishes the public key, and says who exported and when; editing the manifest (a
//! re-hashed file) breaks the signature. The signature is checked here with the published key
//! over the bytes the published description names, not with the gateway's own code.

mod common;

use auditdeck_server::GatewayConfig;
use auditdeck_server::auth::Identity;
use axum::http::{Method, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{Body, TestGateway};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};

fn config(database: &std::path::Path) -> GatewayConfig {
    toml::from_str(&format!(
        r#"
sandbox = false
public_url = "https://auditdeck.example.org"
[auth]
issuer = "http://127.0.0.1:9/not-needed"
client_id = "auditdeck"
admin_group = "auditdeck-admins"
[access_log]
path = "{}"
"#,
        database.display()
    ))
    .unwrap()
}

const HOST: (&str, &str) = ("host", "auditdeck.example.org");
const SAME_ORIGIN: (&str, &str) = ("origin", "https://auditdeck.example.org");
const MANIFEST: &str = r#"{"file_name":"auditdeck-ip.csv","sha256":"aa11","row_count":3,"view_url":"https://auditdeck.example.org/ip/1.2.3.4"}"#;

fn json_body(text: &str) -> Body {
    Body::Typed("application/json".into(), text.as_bytes().to_vec())
}

#[tokio::test]
async fn a_signed_manifest_verifies_and_an_edited_one_does_not() {
    let dir = std::env::temp_dir().join(format!("auditdeck-signing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let database = dir.join("access.sqlite3");
    let gw = TestGateway::with(config(&database), "/nonexistent".into(), |_| None);
    let ada = Identity {
        subject: "sub-ada".into(),
        email: Some("ada@example.org".into()),
        name: None,
        groups: vec!["auditors".into()],
    };
    let cookie = format!("auditdeck_session={}", gw.auth.as_ref().unwrap().sessions.start(ada));
    let signed_in = [HOST, SAME_ORIGIN, ("cookie", cookie.as_str())];

    // Nobody signed in gets no signature.
    let (status, _, _) =
        gw.request_with(Method::POST, "/exports/sign", None, json_body(MANIFEST), &[HOST, SAME_ORIGIN]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, _, body) = gw.request_with(Method::POST, "/exports/sign", None, json_body(MANIFEST), &signed_in).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let signed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(signed["exported_by"]["email"], "ada@example.org");
    assert_eq!(signed["manifest"], serde_json::from_str::<serde_json::Value>(MANIFEST).unwrap());

    // The published key, readable without a session.
    let (status, _, key) =
        gw.request_with(Method::GET, "/.well-known/auditdeck-export-key", None, Body::Empty, &[HOST]).await;
    assert_eq!(status, StatusCode::OK);
    let key: serde_json::Value = serde_json::from_slice(&key).unwrap();
    assert_eq!(key["alg"], "Ed25519");
    assert_eq!(key["key_id"], signed["key_id"]);
    let public: [u8; 32] = BASE64.decode(key["public_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let public = VerifyingKey::from_bytes(&public).unwrap();
    // The canonical JSON, written out by hand: keys sorted, no spaces.
    let covered = format!(
        r#"{{"exported_by":{{"email":"ada@example.org","subject":"sub-ada"}},"key_id":"{}","manifest":{{"file_name":"auditdeck-ip.csv","row_count":3,"sha256":"aa11","view_url":"https://auditdeck.example.org/ip/1.2.3.4"}},"signed_at":"{}"}}"#,
        signed["key_id"].as_str().unwrap(),
        signed["signed_at"].as_str().unwrap()
    );
    let signature = Signature::from_slice(&BASE64.decode(signed["signature"].as_str().unwrap()).unwrap()).unwrap();
    public.verify(covered.as_bytes(), &signature).expect("the published key verifies the signature");
    assert!(public.verify(covered.replace("aa11", "bb22").as_bytes(), &signature).is_err());

    // The gateway's own check, as /verify asks it.
    let (_, _, checked) =
        gw.request_with(Method::POST, "/exports/verify", None, json_body(&signed.to_string()), &signed_in).await;
    let checked: serde_json::Value = serde_json::from_slice(&checked).unwrap();
    assert_eq!(
        (checked["valid"].as_bool(), checked["exported_by"]["email"].as_str()),
        (Some(true), Some("ada@example.org"))
    );
    let mut rehashed = signed.clone();
    rehashed["manifest"]["sha256"] = "bb22".into();
    let (_, _, checked) =
        gw.request_with(Method::POST, "/exports/verify", None, json_body(&rehashed.to_string()), &signed_in).await;
    let checked: serde_json::Value = serde_json::from_slice(&checked).unwrap();
    assert_eq!(checked["valid"], false);
    assert!(checked["reason"].as_str().unwrap().contains("changed after it was signed"));

    // The export is in the access log, and the key outlives a restart.
    let admin =
        Identity { subject: "sub-root".into(), email: None, name: None, groups: vec!["auditdeck-admins".into()] };
    let admin = format!("auditdeck_session={}", gw.auth.as_ref().unwrap().sessions.start(admin));
    let (_, _, page) = gw
        .request_with(
            Method::GET,
            "/admin/access.json?user=ada@example.org",
            None,
            Body::Empty,
            &[HOST, ("cookie", admin.as_str())],
        )
        .await;
    let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
    assert_eq!(page["entries"][0]["kind"], "export");
    assert!(page["entries"][0]["detail"].as_str().unwrap().starts_with("auditdeck-ip.csv (3 rows, sha256 aa11)"));
    let restarted = TestGateway::with(config(&database), "/nonexistent".into(), |_| None);
    let (_, headers, key_again) =
        restarted.request_with(Method::GET, "/.well-known/auditdeck-export-key", None, Body::Empty, &[HOST]).await;
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&key_again).unwrap()["public_key"], key["public_key"]);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let _ = std::fs::remove_dir_all(&dir);
}
