//! `/verify`: checks an exported file against its manifest, in the browser (nothing is sent
//! anywhere): same SHA-256 means the file is the one exported; the manifest then says which
//! view, requests and connections it came from.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::connection::export_signing::{ManifestFile, SignatureCheck, check};
use crate::rows::export::{Scope, Verdict, count_rows, verify};
use crate::rows::format::thousands;

/// The bytes of the file chosen in a file input.
async fn chosen_bytes(input: web_sys::HtmlInputElement) -> Option<(String, Vec<u8>)> {
    let file = input.files()?.get(0)?;
    let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
    Some((file.name(), js_sys::Uint8Array::new(&buffer).to_vec()))
}

fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target()?.dyn_into().ok()
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    let file = RwSignal::new(None::<(String, Vec<u8>)>);
    let manifest = RwSignal::new(None::<(String, Vec<u8>)>);
    let read_into = move |target: RwSignal<Option<(String, Vec<u8>)>>| {
        move |ev: leptos::ev::Event| {
            let Some(input) = input_of(&ev) else { return };
            leptos::task::spawn_local(async move {
                target.try_set(chosen_bytes(input).await);
            });
        }
    };
    // A signed manifest's signature, as the gateway checks it (None: not signed, or not yet).
    let signature = RwSignal::new(None::<Result<SignatureCheck, String>>);
    Effect::new(move |_| {
        signature.set(None);
        let Some((_, bytes)) = manifest.get() else { return };
        if let ManifestFile::Signed { envelope, .. } = ManifestFile::read(&String::from_utf8_lossy(&bytes)) {
            leptos::task::spawn_local(async move {
                signature.try_set(Some(check(envelope).await));
            });
        }
    });
    let outcome = move || {
        let (file_name, bytes) = file.get()?;
        let (_, manifest_bytes) = manifest.get()?;
        let manifest_file = ManifestFile::read(&String::from_utf8_lossy(&manifest_bytes));
        let manifest_text = manifest_file.manifest().to_string();
        let signed = matches!(manifest_file, ManifestFile::Signed { .. });
        Some(match verify(&bytes, &manifest_text) {
            Err(message) => view! { <p class="verdict unreadable" role="alert">{message}</p> }.into_any(),
            Ok(Verdict::Differs { file_sha256, manifest }) => view! {
                <div class="verdict differs" role="alert">
                    <p class="verdict-headline">{format!("✗ {file_name} is not the file this manifest describes.")}</p>
                    <p>{format!("Its SHA-256 is {file_sha256}; the manifest of {} says {}.", manifest.file_name, manifest.sha256)}</p>
                </div>
            }
            .into_any(),
            Ok(Verdict::Matches { sha256, manifest }) => {
                let rows = count_rows(manifest.format, &String::from_utf8_lossy(&bytes));
                let rows_line = match rows {
                    Ok(n) if n == manifest.row_count => format!("It reads as {} rows, as the manifest says.", thousands(n as u64)),
                    Ok(n) => format!("It reads as {} rows but the manifest says {}.", thousands(n as u64), thousands(manifest.row_count as u64)),
                    Err(e) => format!("It does not read as {}: {e}", manifest.format.extension()),
                };
                // Only a signature could say who made the manifest; a hash beside the file proves
                // nothing against someone who edits both.
                let (class, headline, said) = match (signed, signature.get()) {
                    (false, _) => (
                        "verdict matches",
                        format!("✓ {file_name} matches this manifest."),
                        "The manifest is not signed, so anyone could have made both: this shows only that the two belong together.".to_string(),
                    ),
                    (true, None) => ("verdict checking", format!("{file_name} matches this manifest."), "Checking the manifest's signature…".to_string()),
                    (true, Some(Ok(c))) if c.valid => (
                        "verdict matches signed",
                        format!("✓ {file_name} is unchanged since {} exported it on {}.", c.who(), c.signed_at),
                        "The manifest is signed by this gateway, and the signature holds.".to_string(),
                    ),
                    (true, Some(Ok(c))) => (
                        "verdict differs",
                        format!("✗ The manifest's signature does not hold: {}.", c.reason.clone().unwrap_or_default()),
                        format!("It claims {} exported it on {}; that claim cannot be trusted.", c.who(), c.signed_at),
                    ),
                    (true, Some(Err(why))) => (
                        "verdict unchecked",
                        format!("{file_name} matches this manifest."),
                        format!("The manifest is signed, but its signature could not be checked here ({why}), so this shows only that the two belong together."),
                    ),
                };
                let role = if class == "verdict differs" { "alert" } else { "status" };
                view! {
                    <div class=class role=role>
                        <p class="verdict-headline">{headline}</p>
                        <p class="verdict-signature">{said}</p>
                        <p>{format!("SHA-256 {sha256}. {rows_line}")}</p>
                        <dl class="fields">
                            <dt>"Exported"</dt><dd>{manifest.exported_at.clone()}</dd>
                            <dt>"Rows"</dt><dd>{match manifest.scope { Scope::WholeQuery => "every page of the query", Scope::LoadedRows => "the rows loaded in the view" }}</dd>
                            <dt>"View"</dt><dd>{view_link(&manifest.view_url)}</dd>
                            <dt>"Connections"</dt><dd>{manifest.connections.join(", ")}</dd>
                            <dt>"Vendor requests"</dt>
                            <dd><ul class="requests">{manifest.requests.iter().map(|r| view! { <li><code>{r.clone()}</code></li> }).collect_view()}</ul></dd>
                        </dl>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="page verify">
            <h1>"Verify an export"</h1>
            <p class="lede">"Choose an exported file and its manifest. The check runs in this browser; nothing is uploaded."</p>
            <div class="field-grid">
                <div class="field">
                    <label for="verify-file">"Exported file (.csv or .ndjson)"</label>
                    <input id="verify-file" type="file" accept=".csv,.ndjson,text/csv,application/x-ndjson" on:change=read_into(file)/>
                </div>
                <div class="field">
                    <label for="verify-manifest">"Its manifest (.manifest.json)"</label>
                    <input id="verify-manifest" type="file" accept=".json,application/json" on:change=read_into(manifest)/>
                </div>
            </div>
            <div class="verify-outcome" aria-live="polite">{outcome}</div>
        </section>
    }
}

/// The manifest's view as a link, only when it is on this very origin (a manifest is a file
/// anyone can write: a `javascript:` URL or another site's address stays text).
fn view_link(url: &str) -> impl IntoView + use<> {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let web = is_on_origin(url, &origin);
    let (href, text) = (url.to_string(), url.to_string());
    if web { view! { <a href=href>{text}</a> }.into_any() } else { view! { <span>{text}</span> }.into_any() }
}

/// True when `url` is a page of `origin` (`https://auditdeck.example.org`), not merely a URL that
/// starts with the same letters (`https://auditdeck.example.org.evil.example`).
fn is_on_origin(url: &str, origin: &str) -> bool {
    !origin.is_empty() && url.strip_prefix(origin).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::is_on_origin;

    #[test]
    fn only_this_origins_views_are_links() {
        let here = "http://127.0.0.1:8080";
        assert!(is_on_origin("http://127.0.0.1:8080/ip/1.2.3.4?page=2", here));
        assert!(!is_on_origin("http://127.0.0.1:8080.evil.example/ip", here));
        assert!(!is_on_origin("http://127.0.0.1:9999/ip", here));
        assert!(!is_on_origin("javascript:alert(1)", here));
        assert!(!is_on_origin("/ip/1.2.3.4", ""));
    }
}
