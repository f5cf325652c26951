//! `/admin/access`: who looked at what, for the admin group. The filters and page live in the
//! URL (`routes::access`); the gateway holds the log and answers `/admin/access.json` (a page)
//! and `/admin/access.csv` (every matching entry).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::Deserialize;

use crate::components::folded_form::FoldedForm;
use crate::connection::gateway::{ask, get};
use crate::routes::access::AccessView;
use crate::rows::format::{thousands, utc_millis_text};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Entry {
    at_ms: i64,
    kind: String,
    subject: String,
    email: String,
    connection: String,
    method: String,
    path: String,
    query: String,
    form: String,
    status: u16,
    size: u64,
    from_cache: bool,
    detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Page {
    entries: Vec<Entry>,
    total: u64,
    page: u32,
    per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Loaded {
    Loading,
    Failed(String),
    Page(Page),
}

async fn load(url: String) -> Loaded {
    match ask(get(url)).await {
        Ok(body) => match serde_json::from_str::<Page>(&body) {
            Ok(page) => Loaded::Page(page),
            Err(e) => Loaded::Failed(format!("The gateway's answer could not be read: {e}")),
        },
        Err(message) => Loaded::Failed(message),
    }
}

/// What was asked, as one line: method, path and query, then the form's fields.
fn request_of(e: &Entry) -> String {
    let mut text = format!("{} {}", e.method, e.path);
    if !e.query.is_empty() {
        text.push('?');
        text.push_str(&e.query);
    }
    if let Ok(fields) = serde_json::from_str::<Vec<(String, String)>>(&e.form) {
        let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !fields.is_empty() {
            text.push_str(&format!(" (form: {})", fields.join(", ")));
        }
    }
    text.trim().to_string()
}

#[component]
pub fn AccessLogPage() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| query.with(|q| AccessView::from_query(|k| q.get(k))));
    let loaded = RwSignal::new(Loaded::Loading);
    Effect::new(move |_| {
        let Ok(current) = view.get() else { return };
        loaded.set(Loaded::Loading);
        leptos::task::spawn_local(async move {
            let result = load(current.json_url()).await;
            // Only the answer for the view still shown.
            if view.get_untracked().as_ref() == Ok(&current) {
                loaded.try_set(result);
            }
        });
    });
    let field = |name: &'static str| {
        RwSignal::new(
            view.get_untracked()
                .ok()
                .and_then(|v| match name {
                    "user" => v.user,
                    "connection" => v.connection,
                    "from" => v.from,
                    _ => v.to,
                })
                .unwrap_or_default(),
        )
    };
    let (user, connection, from, to) = (field("user"), field("connection"), field("from"), field("to"));
    let problem = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = [
            ("user", user.get_untracked()),
            ("connection", connection.get_untracked()),
            ("from", from.get_untracked()),
            ("to", to.get_untracked()),
        ];
        match AccessView::from_query(|k| typed.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())) {
            Ok(next) => {
                problem.set(None);
                navigate(&next.href(), Default::default());
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    let input = move |id: &'static str, label: &'static str, value: RwSignal<String>, hint: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" placeholder=hint prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    let body = move || match (view.get(), loaded.get()) {
        (Err(message), _) => view! { <p class="error-box" role="alert">{message}</p> }.into_any(),
        (Ok(_), Loaded::Loading) => view! { <p class="loading" role="status">"Loading the access log…"</p> }.into_any(),
        (Ok(_), Loaded::Failed(message)) => view! { <p class="error-box" role="alert">{message}</p> }.into_any(),
        (Ok(current), Loaded::Page(page)) => {
            let pages = page.total.div_ceil(u64::from(page.per_page.max(1))).max(1);
            let previous = (page.page > 1).then(|| current.at_page(page.page - 1).href());
            let next = (u64::from(page.page) < pages).then(|| current.at_page(page.page + 1).href());
            let rows = page
                .entries
                .into_iter()
                .map(|e| {
                    let who = if e.email.is_empty() { e.subject.clone() } else { e.email.clone() };
                    view! {
                        <tr>
                            <td class="time">{utc_millis_text(e.at_ms)}</td>
                            <td class="kind">{e.kind.clone()}</td>
                            <td class="who">{who}</td>
                            <td class="connection">{e.connection.clone()}</td>
                            <td class="request"><code>{request_of(&e)}</code></td>
                            <td class="status">{if e.status == 0 { String::new() } else { e.status.to_string() }}</td>
                            <td class="size">{if e.size == 0 { String::new() } else { thousands(e.size) }}</td>
                            <td class="cache">{if e.from_cache { "shared cache" } else { "" }}</td>
                            <td class="detail">{e.detail.clone()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p class="pager-position" role="status">{format!("Page {} of {} · {} entries", page.page, thousands(pages), thousands(page.total))}</p>
                <nav class="pager" aria-label="Pages">
                    {previous.map(|href| view! { <a class="pager-previous" href=href>"Newer"</a> })}
                    {next.map(|href| view! { <a class="pager-next" href=href>"Older"</a> })}
                </nav>
                <table class="access-log">
                    <thead><tr>
                        <th scope="col">"Time"</th><th scope="col">"What"</th><th scope="col">"Who"</th>
                        <th scope="col">"Connection"</th><th scope="col">"Request"</th><th scope="col">"Status"</th>
                        <th scope="col">"Size"</th><th scope="col">"Answered from"</th><th scope="col">"Detail"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    let csv = move || {
        view.get().ok().map(|v| view! { <a class="access-csv" href=v.csv_url() download="auditdeck-access-log.csv">"Export these entries as CSV"</a> })
    };
    view! {
        <section class="page access-log-page">
            <h1>"Access log"</h1>
            <p class="lede">"Who looked at what through this gateway: every vendor request, sign-in, sign-out, export and refusal. Newest first."</p>
            <FoldedForm summary=Signal::derive(move || view.get().ok().and_then(|v| v.describe()))>
                <form class="search-form" on:submit=apply.clone()>
                    <div class="field-grid">
                        {input("access-user", "User (e-mail or subject)", user, "alice@example.org")}
                        {input("access-connection", "Connection", connection, "idme-production")}
                        {input("access-from", "From (UTC)", from, "2026-12-01T00:00:00Z")}
                        {input("access-to", "To (UTC, exclusive)", to, "2026-12-02T00:00:00Z")}
                    </div>
                    <button type="submit" class="primary">"Apply filters"</button>
                    <span class="field-error" role="alert">{move || problem.get()}</span>
                </form>
            </FoldedForm>
            {csv}
            {body}
        </section>
    }
}
