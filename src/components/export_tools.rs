//! Export of the rows the view shows, or of the whole query: CSV or NDJSON, each with its
//! manifest (see `crate::rows::export`). The files are made in the browser and offered as download
//! links. The whole query drives the view's "Load more" controls to the vendor's last page
//! (their progress, rate-limit waits and cancel included), then exports what they loaded.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::model::AuditEvent;
use crate::net::fetcher::now_ms;
use crate::routes::permalink::with_event;
use crate::rows::export::{Format, Scope, export_unsigned, manifest_json, sha256_hex};
use crate::rows::format::thousands;
use crate::views::shown::{Pager, ShownRows};

/// A file made for download: its object URL is released when it is replaced or the view goes.
#[derive(Clone, PartialEq)]
struct Made {
    file_name: String,
    file_url: String,
    manifest_name: String,
    manifest_url: String,
    /// Signed by the gateway.
    signed: bool,
    rows: usize,
    sha256: String,
}

// Both read the text where it is, in the app's memory, when they can: copying a 90 MB export
// into a JS array first cost a third of a second. A view of the app's memory is emptied when
// that memory grows, which any allocation of this module can make happen (even the one that
// hands the view to Rust), so each use checks that its view still holds every byte, and
// copies the bytes where it does not.

/// A view of `content` in the app's memory.
fn view_of(content: &str) -> js_sys::Uint8Array {
    // SAFETY: the callers hand the view to a Blob or a digest, which copy the bytes before
    // anything of this module runs again, and check that the view was not emptied first.
    unsafe { js_sys::Uint8Array::view(content.as_bytes()) }
}

/// A download URL for `content`.
fn object_url(content: &str, media_type: &str) -> Option<String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(media_type);
    // Made before the view, so that making it cannot empty the view.
    let parts = js_sys::Array::new();
    parts.push(&view_of(content));
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let blob = if blob.size() as usize == content.len() {
        blob
    } else {
        parts.set(0, js_sys::Uint8Array::from(content.as_bytes()).into());
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?
    };
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// The SHA-256 of `content` under way in the browser's Web Crypto, many times faster than this
/// code's own; None where there is none (a page served over plain HTTP from another host).
fn start_digest(content: &str) -> Option<js_sys::Promise> {
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let view = view_of(content);
    let bytes =
        if view.byte_length() as usize == content.len() { view } else { js_sys::Uint8Array::from(content.as_bytes()) };
    subtle.digest_with_str_and_buffer_source("SHA-256", &bytes).ok()
}

/// The SHA-256 (hex) the browser computed, or None.
async fn browser_sha256(digest: Option<js_sys::Promise>) -> Option<String> {
    let digest = wasm_bindgen_futures::JsFuture::from(digest?).await.ok()?;
    Some(crate::rows::format::hex(&js_sys::Uint8Array::new(&digest).to_vec()))
}

fn release(made: &Made) {
    let _ = web_sys::Url::revoke_object_url(&made.file_url);
    let _ = web_sys::Url::revoke_object_url(&made.manifest_url);
}

fn utc_now() -> String {
    chrono::DateTime::from_timestamp_millis(now_ms() as i64)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// `rows`: what the tables show (the loaded rows after the row filters); the file has them in
/// the order the URL's sort gives the tables.
#[component]
pub fn ExportTools(rows: Memo<Vec<AuditEvent>>, filter: Memo<crate::routes::row_filter::RowFilter>) -> impl IntoView {
    let Some(shown) = ShownRows::use_context() else { return ().into_any() };
    let location = use_location();
    let made = RwSignal::new_local(None::<Made>);
    // A file being made (its digest is computed off the click): further clicks wait for it. The
    // buttons stay enabled, so a keyboard user's focus stays on the one pressed.
    let making = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    // The gateway signs a signed-in person's manifests.
    let app = crate::connection::state::use_app_state();
    let signs = move || app.config.with_untracked(|c| c.user().is_some());
    on_cleanup(move || {
        if let Some(m) = made.try_get_untracked().flatten() {
            release(&m);
        }
    });
    let count = Memo::new(move |_| rows.with(Vec::len));
    // A whole-query export under way: its format.
    let whole = RwSignal::new(None::<Format>);
    let make = move |format: Format, scope: Scope| {
        if making.get_untracked() {
            return;
        }
        let (mut events, requests) = (rows.get_untracked(), untrack(|| shown.requests()));
        filter.with_untracked(|f| f.order(&mut events));
        let path = location.pathname.get_untracked();
        // The view without an open event: the manifest names the query, not one row.
        let view =
            location.query.with_untracked(|q| with_event(&path, q.into_iter().map(|(k, v)| (k.as_ref(), v)), None));
        let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let done = export_unsigned(format, &events, &format!("{origin}{view}"), &path, requests, &utc_now(), scope);
        let file_url = object_url(&done.content, format.media_type());
        let digest = start_digest(&done.content);
        let sign = signs();
        making.set(true);
        leptos::task::spawn_local(async move {
            let mut manifest = done.manifest;
            manifest.sha256 = match browser_sha256(digest).await {
                Some(sha256) => sha256,
                None => sha256_hex(done.content.as_bytes()),
            };
            drop(done.content);
            if making.try_set(false).is_some() {
                // The view is gone: nobody will download the file.
                if let Some(url) = file_url {
                    let _ = web_sys::Url::revoke_object_url(&url);
                }
                return;
            }
            let manifest_name = format!("{}.manifest.json", manifest.file_name);
            let plain = manifest_json(&manifest);
            let (manifest_text, signed) = if sign {
                match crate::connection::export_signing::sign(plain.clone()).await {
                    Ok(signed) => (signed, true),
                    Err(why) => {
                        problem.set(Some(format!("The manifest could not be signed ({why}); it is offered unsigned.")));
                        (plain, false)
                    }
                }
            } else {
                (plain, false)
            };
            let urls = (file_url, object_url(&manifest_text, "application/json"));
            let (Some(file_url), Some(manifest_url)) = urls else {
                problem.set(Some("The browser could not make the file.".into()));
                return;
            };
            if signed || !sign {
                problem.set(None);
            }
            let next = Made {
                signed,
                file_name: manifest.file_name.clone(),
                file_url,
                manifest_name,
                manifest_url,
                rows: manifest.row_count,
                sha256: manifest.sha256.clone(),
            };
            if let Some(old) = made.get_untracked() {
                release(&old);
            }
            made.set(Some(next));
        });
    };
    let pagers = Memo::new(move |_| shown.pagers().len());
    let start_whole = move |format: Format| {
        problem.set(None);
        whole.set(Some(format));
        for pager in shown.pagers() {
            pager.load_all.run(());
        }
    };
    // Once no pager is busy: every page is in (export), or one stopped short (say so).
    Effect::new(move |_| {
        let Some(format) = whole.get() else { return };
        let pagers = shown.pagers();
        if pagers.iter().any(|p| p.busy.get()) || shown.busy() {
            return;
        }
        whole.set(None);
        if pagers.iter().any(|p| p.has_more.get_untracked()) {
            problem.set(Some(format!(
                "The whole query was not exported: loading stopped before the vendor's last page ({} rows loaded). \
                 Retry it, or export the loaded rows.",
                thousands(count.get_untracked() as u64)
            )));
        } else {
            make(format, Scope::WholeQuery);
        }
    });
    let cancel_whole = move |_| {
        whole.set(None);
        shown.pagers().iter().for_each(|p: &Pager| p.cancel.run(()));
        problem.set(Some("Export of the whole query cancelled: nothing was exported.".into()));
    };
    let whole_status = move || {
        whole.get().map(|_| {
            let waiting = shown.pagers().iter().any(|p| p.waiting.get());
            let wait = if waiting { " Waiting for the vendor's rate limit…" } else { "" };
            view! {
                <span class="export-whole-status" role="status">
                    <progress></progress>
                    {format!(" Fetching every page of the query: {} rows so far.{wait} ", thousands(count.get() as u64))}
                    <button type="button" class="export-whole-cancel" on:click=cancel_whole>"Cancel"</button>
                </span>
            }
        })
    };
    let whole_busy = move || whole.with(Option::is_some) || shown.busy();
    let links = move || {
        made.get().map(|m| {
            view! {
                <span class="export-made" role="status">
                    <a class="export-file" href=m.file_url.clone() download=m.file_name.clone()>{format!("Download {} ({} rows)", m.file_name, thousands(m.rows as u64))}</a>
                    " · "
                    <a class="export-manifest" href=m.manifest_url.clone() download=m.manifest_name.clone()>{if m.signed { "Download its signed manifest" } else { "Download its manifest" }}</a>
                    " · SHA-256 " <code class="export-sha256">{m.sha256.clone()}</code>
                    " · "
                    <A href="/verify">"Verify a file"</A>
                </span>
            }
        })
    };
    view! {
        <div class="export-tools" role="group" aria-label="Export the loaded rows">
            <span class="export-count">{move || format!("Export the {} loaded rows as", thousands(count.get() as u64))}</span>
            <button type="button" class="export-csv" on:click=move |_| make(Format::Csv, Scope::LoadedRows) disabled=move || count.get() == 0>"CSV"</button>
            <button type="button" class="export-ndjson" on:click=move |_| make(Format::Ndjson, Scope::LoadedRows) disabled=move || count.get() == 0>"NDJSON"</button>
            <Show when=move || { pagers.get() > 0 }>
                <span class="export-whole" title="Loads every page of the query (up to 100,000 rows, within the vendor's rate limit), then exports">
                    " · or every page of the query as "
                    <button type="button" class="export-whole-csv" on:click=move |_| start_whole(Format::Csv) disabled=whole_busy>"CSV"</button>
                    <button type="button" class="export-whole-ndjson" on:click=move |_| start_whole(Format::Ndjson) disabled=whole_busy>"NDJSON"</button>
                </span>
            </Show>
            {whole_status}
            {move || making.get().then(|| view! { <span class="export-making" role="status">" Making the file…"</span> })}
            {links}
            <span class="field-error" role="alert">{move || problem.get()}</span>
        </div>
    }
    .into_any()
}
