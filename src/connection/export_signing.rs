//! Signed manifests, through the gateway: it signs a signed-in person's manifest with its own
//! key (`POST /exports/sign`) and checks a signed one (`POST /exports/verify`). The app holds no
//! key: a signature is only worth something if the browser cannot make one.

use serde::Deserialize;

use super::gateway::{ask, post_json};

/// A manifest file as chosen on `/verify`: plain, or wrapped by the gateway's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestFile {
    Plain(String),
    /// `manifest` is the app's manifest inside; `envelope` the whole file, for the check.
    Signed {
        manifest: String,
        envelope: String,
    },
}

impl ManifestFile {
    pub fn read(text: &str) -> ManifestFile {
        let value: Option<serde_json::Value> = serde_json::from_str(text).ok();
        match value {
            Some(v) if v.get("signature").is_some() && v.get("manifest").is_some_and(|m| m.is_object()) => {
                ManifestFile::Signed { manifest: v["manifest"].to_string(), envelope: text.to_string() }
            }
            _ => ManifestFile::Plain(text.to_string()),
        }
    }

    /// The app's manifest, the part that describes the file.
    pub fn manifest(&self) -> &str {
        match self {
            ManifestFile::Plain(text) | ManifestFile::Signed { manifest: text, .. } => text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Exporter {
    pub subject: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// What the gateway found checking a signature.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignatureCheck {
    pub valid: bool,
    #[serde(default)]
    pub reason: Option<String>,
    pub exported_by: Exporter,
    pub signed_at: String,
}

impl SignatureCheck {
    pub fn who(&self) -> &str {
        self.exported_by.email.as_deref().unwrap_or(&self.exported_by.subject)
    }
}

/// The manifest signed by the gateway: the file to offer instead of the plain one.
pub async fn sign(manifest_json: String) -> Result<String, String> {
    ask(post_json("/exports/sign", manifest_json)).await
}

pub async fn check(envelope: String) -> Result<SignatureCheck, String> {
    let body = ask(post_json("/exports/verify", envelope)).await?;
    serde_json::from_str(&body).map_err(|e| format!("the gateway's answer could not be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_manifest_is_told_from_a_plain_one() {
        let plain = r#"{"manifest":"auditdeck-export/1","file_name":"a.csv"}"#;
        assert_eq!(ManifestFile::read(plain), ManifestFile::Plain(plain.into()));
        let signed = r#"{"manifest":{"manifest":"auditdeck-export/1","file_name":"a.csv"},"exported_by":{"subject":"s","email":null},"signed_at":"t","key_id":"k","signature":"c2ln"}"#;
        let read = ManifestFile::read(signed);
        let inner: serde_json::Value = serde_json::from_str(read.manifest()).unwrap();
        assert_eq!(inner, serde_json::json!({"manifest": "auditdeck-export/1", "file_name": "a.csv"}));
        assert!(matches!(read, ManifestFile::Signed { .. }));
        assert!(ManifestFile::read("not json").manifest() == "not json");
    }
}
