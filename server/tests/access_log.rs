//! The access log: what one signed-in person did is exactly what it records, in order, with the
//! form fields and never a secret; it survives a restart; only the admin group reads it.

mod common;

use std::net::SocketAddr;
use std::path::Path;

use auditdeck_server::GatewayConfig;
use axum::http::{Method, StatusCode, header};
use common::{Body, TestGateway, multipart, person, serve_sandbox, session};

fn config(vendor: SocketAddr, database: &Path) -> GatewayConfig {
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
retention_days = 30

[[upstream]]
id = "idme"
provider = "idme"
label = "ID.me"
base_url = "http://{vendor}/sandbox/idme"
credential = {{ secret_env = "IDME_SECRET", scheme = "ID.me" }}
allow_groups = ["auditors"]
"#,
        database.display()
    ))
    .unwrap()
}

fn env(name: &str) -> Option<String> {
    (name == "IDME_SECRET").then(|| auditdeck_server::sandbox::idme::SANDBOX_SECRET.into())
}

const HOST: (&str, &str) = ("host", "auditdeck.example.org");
const SAME_ORIGIN: (&str, &str) = ("origin", "https://auditdeck.example.org");

async fn admin_page(gw: &TestGateway, admin: &str, query: &str) -> serde_json::Value {
    let (status, _, body) = gw
        .request_with(
            Method::GET,
            &format!("/admin/access.json?{query}"),
            None,
            Body::Empty,
            &[HOST, ("cookie", admin)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// (kind, method, path, form, status, from_cache) of each entry, oldest first.
fn summary(page: &serde_json::Value) -> Vec<(String, String, String, String, u64, bool)> {
    let mut rows: Vec<_> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
                e["form"].as_str().unwrap().to_string(),
                e["status"].as_u64().unwrap(),
                e["from_cache"].as_bool().unwrap(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

#[tokio::test]
async fn a_scripted_session_is_recorded_exactly_and_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("auditdeck-access-log-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let database = dir.join("nested/access.sqlite3");
    let (vendor, _sandbox) = serve_sandbox(0).await;
    let search = |page: &str| multipart(&[("ipaddress", "152.133.18.33"), ("page", page)]);
    let expected = vec![
        (
            "request".to_string(),
            "POST".to_string(),
            "/api/v1/events/search".to_string(),
            r#"[["ipaddress","152.133.18.33"],["page","1"]]"#.to_string(),
            200,
            false,
        ),
        (
            "request".into(),
            "POST".into(),
            "/api/v1/events/search".into(),
            r#"[["ipaddress","152.133.18.33"],["page","2"]]"#.into(),
            200,
            false,
        ),
        (
            "request".into(),
            "POST".into(),
            "/api/v1/events/search".into(),
            r#"[["ipaddress","152.133.18.33"],["page","1"]]"#.into(),
            200,
            true,
        ),
        ("request".into(), "DELETE".into(), "/api/v1/events/search".into(), String::new(), 405, false),
        ("sign-out".into(), String::new(), String::new(), String::new(), 0, false),
    ];
    {
        let gw = TestGateway::with(config(vendor, &database), "/nonexistent".into(), env);
        let alice = session(&gw, person("alice", &["auditors"]));
        let path = "/upstream/idme/api/v1/events/search";
        for (method, body) in [
            (Method::POST, search("1")),
            (Method::POST, search("2")),
            (Method::POST, search("1")),
            (Method::DELETE, Body::Empty),
        ] {
            gw.request_with(method, path, Some("ID.me browser-secret-never-logged"), body, &[HOST, ("cookie", &alice)])
                .await;
        }
        gw.request_with(Method::POST, "/auth/sign-out", None, Body::Empty, &[HOST, SAME_ORIGIN, ("cookie", &alice)])
            .await;
        // Someone else's request is not alice's.
        let mallory = session(&gw, person("mallory", &["contractors"]));
        let (status, _, _) =
            gw.request_with(Method::POST, path, None, search("1"), &[HOST, ("cookie", &mallory)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let admin = session(&gw, person("ada", &["auditdeck-admins"]));
        let page = admin_page(&gw, &admin, "user=alice@example.org").await;
        assert_eq!(summary(&page), expected);
        assert_eq!(page["total"], 5);
        let first = &page["entries"][4];
        assert_eq!((first["connection"].as_str(), first["subject"].as_str()), (Some("idme"), Some("sub-alice")));
        assert!(first["size"].as_u64().unwrap() > 100, "the answer's size");
        let denied = admin_page(&gw, &admin, "user=mallory@example.org").await;
        assert_eq!(denied["entries"][0]["kind"], "denied");
        assert_eq!(denied["entries"][0]["status"], 403);
        // No secret anywhere in the log.
        let (_, _, csv) =
            gw.request_with(Method::GET, "/admin/access.csv", None, Body::Empty, &[HOST, ("cookie", &admin)]).await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.starts_with(
                "time,kind,subject,email,connection,method,path,query,form,status,size,from_cache,detail\n"
            )
        );
        assert!(
            !csv.contains("browser-secret")
                && !csv.contains("auditdeck-sandbox-secret")
                && !csv.contains("auditdeck_session")
        );
        assert_eq!(csv.lines().count(), 1 + 5 + 1, "header, alice's five, mallory's denial");
    }
    // A new gateway on the same file: the same record.
    let gw = TestGateway::with(config(vendor, &database), "/nonexistent".into(), env);
    let admin = session(&gw, person("ada", &["auditdeck-admins"]));
    let page = admin_page(&gw, &admin, "user=ALICE@example.org&connection=idme").await;
    assert_eq!(summary(&page)[..4], expected[..4], "sign-out has no connection");
    let all = admin_page(&gw, &admin, "user=alice@example.org").await;
    assert_eq!(summary(&all), expected);
    let later = admin_page(&gw, &admin, "user=alice@example.org&from=2999-01-01T00:00:00Z").await;
    assert_eq!(later["total"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn only_the_admin_group_reads_the_log_and_a_refusal_is_recorded() {
    let dir = std::env::temp_dir().join(format!("auditdeck-access-log-admin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let gw = TestGateway::with(config("127.0.0.1:9".parse().unwrap(), &dir.join("log.db")), "/nonexistent".into(), env);
    let alice = session(&gw, person("alice", &["auditors"]));
    for path in ["/admin/access.json", "/admin/access.csv"] {
        let (status, _, _) = gw.request_with(Method::GET, path, None, Body::Empty, &[HOST, ("cookie", &alice)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let admin = session(&gw, person("ada", &["auditdeck-admins"]));
    let page = admin_page(&gw, &admin, "user=alice@example.org").await;
    let details: Vec<&str> = page["entries"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(details, ["/admin/access.csv", "/admin/access.json"]);
    let (status, _, body) = gw
        .request_with(Method::GET, "/admin/access.json?from=yesterday", None, Body::Empty, &[HOST, ("cookie", &admin)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("from must be a time"));
    let (_, headers, _) =
        gw.request_with(Method::GET, "/admin/access.csv", None, Body::Empty, &[HOST, ("cookie", &admin)]).await;
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("auditdeck-access-log.csv"));
    let _ = std::fs::remove_dir_all(&dir);
}
