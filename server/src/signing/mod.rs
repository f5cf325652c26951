//! Signed export manifests. A manifest's SHA-256 beside its file proves nothing to someone who
//! edits both; the gateway's Ed25519 signature (ed25519-dalek) over the manifest, who exported
//! it and when, does. The key lives in the access log's database, or in `[signing] key_file`;
//! its public half is published at [`KEY_PATH`] for anyone to check a signature offline.

pub mod routes;

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where the public key is published.
pub const KEY_PATH: &str = "/.well-known/auditdeck-export-key";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// A file holding the key (base64 of its 32-byte seed), created on first start when absent.
    pub key_file: PathBuf,
}

/// Who exported: what the signed-in session said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exporter {
    pub subject: String,
    pub email: Option<String>,
}

/// A signed manifest as the gateway hands it back: the app's manifest unchanged inside, and
/// what the signature covers beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedManifest {
    pub manifest: serde_json::Value,
    pub exported_by: Exporter,
    /// RFC 3339, when the gateway signed it.
    pub signed_at: String,
    pub key_id: String,
    /// Ed25519 over [`signed_bytes`], base64.
    pub signature: String,
}

pub struct ExportSigner {
    key: SigningKey,
    key_id: String,
}

/// The key's name: the first 16 hex digits of the SHA-256 of its public half.
fn key_id(key: &SigningKey) -> String {
    let digest = Sha256::digest(key.verifying_key().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// JSON with every object's keys sorted, so the same content always gives the same bytes.
fn canonical(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: std::collections::BTreeMap<&String, serde_json::Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            serde_json::to_value(sorted).unwrap_or(serde_json::Value::Null)
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The bytes the signature covers: everything in the signed manifest but the signature.
pub fn signed_bytes(manifest: &serde_json::Value, exported_by: &Exporter, signed_at: &str, key_id: &str) -> Vec<u8> {
    let covered = serde_json::json!({
        "manifest": manifest,
        "exported_by": exported_by,
        "signed_at": signed_at,
        "key_id": key_id,
    });
    canonical(&covered).to_string().into_bytes()
}

/// A fresh 32-byte seed from the operating system.
pub fn new_seed() -> Result<[u8; 32], String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no randomness for a signing key: {e}"))?;
    Ok(seed)
}

/// The key in `path`, made there (readable by its owner only) when the file does not exist.
pub fn seed_from_file(path: &Path) -> Result<[u8; 32], String> {
    match std::fs::read_to_string(path) {
        Ok(text) => BASE64
            .decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| format!("{}: not a signing key (base64 of 32 bytes)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let seed = new_seed()?;
            write_private(path, &BASE64.encode(seed))?;
            Ok(seed)
        }
        Err(e) => Err(format!("cannot read the signing key {}: {e}", path.display())),
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("cannot create the signing key {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write the signing key {}: {e}", path.display()))
}

/// What checking a signed manifest found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub valid: bool,
    pub reason: Option<String>,
    pub exported_by: Exporter,
    pub signed_at: String,
}

impl ExportSigner {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let key = SigningKey::from_bytes(&seed);
        let key_id = key_id(&key);
        ExportSigner { key, key_id }
    }

    pub fn public_key_base64(&self) -> String {
        BASE64.encode(self.key.verifying_key().as_bytes())
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn sign(&self, manifest: serde_json::Value, exported_by: Exporter, signed_at: String) -> SignedManifest {
        let bytes = signed_bytes(&manifest, &exported_by, &signed_at, &self.key_id);
        let signature = BASE64.encode(self.key.sign(&bytes).to_bytes());
        SignedManifest { manifest, exported_by, signed_at, key_id: self.key_id.clone(), signature }
    }

    pub fn check(&self, signed: &SignedManifest) -> Checked {
        let reason = if signed.key_id != self.key_id {
            Some(format!("it was signed with key {}, not this gateway's key {}", signed.key_id, self.key_id))
        } else {
            let signature = BASE64.decode(&signed.signature).ok().and_then(|b| Signature::from_slice(&b).ok());
            match signature {
                None => Some("its signature is not an Ed25519 signature".into()),
                Some(signature) => {
                    let bytes = signed_bytes(&signed.manifest, &signed.exported_by, &signed.signed_at, &signed.key_id);
                    self.key.verifying_key().verify(&bytes, &signature).err().map(|_| {
                        "the signature does not match: the manifest was changed after it was signed".to_string()
                    })
                }
            }
        };
        Checked {
            valid: reason.is_none(),
            reason,
            exported_by: signed.exported_by.clone(),
            signed_at: signed.signed_at.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Exporter {
        Exporter { subject: "sub-ada".into(), email: Some("ada@example.org".into()) }
    }

    #[test]
    fn a_signature_holds_until_anything_it_covers_changes() {
        let signer = ExportSigner::from_seed([7; 32]);
        let manifest = serde_json::json!({ "file_name": "x.csv", "sha256": "ab", "row_count": 2 });
        let signed = signer.sign(manifest, ada(), "2026-12-01T22:00:00Z".into());
        assert!(signer.check(&signed).valid);
        let mut rehashed = signed.clone();
        rehashed.manifest["sha256"] = "cd".into();
        let checked = signer.check(&rehashed);
        assert!(!checked.valid);
        assert!(checked.reason.unwrap().contains("changed after it was signed"));
        let mut someone_else = signed.clone();
        someone_else.exported_by.email = Some("mallory@example.org".into());
        assert!(!signer.check(&someone_else).valid);
        let other_gateway = ExportSigner::from_seed([8; 32]);
        assert!(other_gateway.check(&signed).reason.unwrap().contains("signed with key"));
    }

    #[test]
    fn the_same_content_in_any_key_order_gives_the_same_bytes() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"d":[{"y":1,"x":2}],"c":2}}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{"a":{"c":2,"d":[{"x":2,"y":1}]},"b":1}"#).unwrap();
        assert_eq!(signed_bytes(&a, &ada(), "t", "k"), signed_bytes(&b, &ada(), "t", "k"));
        assert_eq!(
            String::from_utf8(signed_bytes(&a, &ada(), "t", "k")).unwrap(),
            r#"{"exported_by":{"email":"ada@example.org","subject":"sub-ada"},"key_id":"k","manifest":{"a":{"c":2,"d":[{"x":2,"y":1}]},"b":1},"signed_at":"t"}"#
        );
    }

    #[test]
    fn a_key_file_is_made_once_and_read_after() {
        let path = std::env::temp_dir().join(format!("auditdeck-signing-test-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let made = seed_from_file(&path).unwrap();
        assert_eq!(seed_from_file(&path).unwrap(), made);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        assert!(seed_from_file(&path).is_err());
        let _ = std::fs::remove_file(&path);
    }
}
