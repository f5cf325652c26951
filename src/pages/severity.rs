//! `/severity`: Iden's events filtered by severity and the rest of its filters, severity chips
//! over the loaded rows, the rate limit made visible; optionally ID.me and Standfast events with
//! severity derived by Auditdeck, where their APIs can express the filters.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::components::error_box::Notice;
use crate::components::events_table::{EventsTable, severity_icon};
use crate::components::filter_fields::{Fields, field};
use crate::components::load_status::LoadStatus;
use crate::components::row_tools::RowTools;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::config::Provider;
use crate::fetcher::Loader;
use crate::format::{Zone, thousands};
use crate::model::{AuditEvent, Severity, Source};
use crate::pages::common::{
    IdenResults, Wording, iden_ask, iden_more, load_source, query_getter, register_rows, requests_of, rows_of,
    settings_problem_view, unreadable_notice,
};
use crate::providers::iden;
use crate::routes::query::input_text;
use crate::routes::severity::{
    DerivedPlan, IdmeRequest, SEVERITY_DEFAULT_SOURCES, SeverityView, idme_plan, severity_view_from_url, standfast_plan,
};
use crate::sources::{IdenPage, IdmePage, StandfastPage, iden_list, idme_by_ip, idme_by_user, standfast_page};

/// The loaded pages, each with the view it answers.
type Asked<T> = (SeverityView, T);

/// The view as far as a source's request depends on it (not the zone, not other sources).
fn request_key(view: &SeverityView) -> SeverityView {
    SeverityView { zone: Zone::Utc, sources: SEVERITY_DEFAULT_SOURCES, rows: Default::default(), ..view.clone() }
}

#[component]
pub fn SeverityPage() -> impl IntoView {
    let get = query_getter();
    let target = Memo::new(move |_| severity_view_from_url(get));
    let current = Memo::new(move |_| target.get().ok());
    let zone = Signal::derive(move || current.get().map(|v| v.zone).unwrap_or_default());

    let iden = Loader::<Asked<IdenPage>>::new();
    let idme = Loader::<(IdmeRequest, IdmePage)>::new();
    let standfast = Loader::<((crate::providers::standfast::Filter, u32), StandfastPage)>::new();
    let problems = [RwSignal::new(None::<String>), RwSignal::new(None), RwSignal::new(None)];
    let retries = RwSignal::new(0u32);

    load_source(
        iden,
        Provider::Iden,
        problems[0],
        retries,
        move || current.get().filter(|v| v.sources.iden).map(|v| request_key(&v)),
        |connection, view, ticket| async move {
            iden_list(&connection, &view.iden_filter(), view.cursor.as_deref(), view.limit, &ticket).await
        },
    );
    // The derived sources ask what their APIs can express (their first page); the rest of the
    // filters narrow the loaded rows.
    load_source(
        idme,
        Provider::Idme,
        problems[1],
        retries,
        move || match current.get().filter(|v| v.sources.idme).map(|v| idme_plan(&v)) {
            Some(DerivedPlan::Included { request, .. }) => Some(request),
            _ => None,
        },
        |connection, request, ticket| async move {
            match request {
                IdmeRequest::ByIp(ip) => idme_by_ip(&connection, ip, 1, &ticket).await,
                IdmeRequest::ByUser(uuid) => idme_by_user(&connection, &uuid, 1, &ticket).await,
            }
        },
    );
    load_source(
        standfast,
        Provider::Standfast,
        problems[2],
        retries,
        move || {
            let view = current.get().filter(|v| v.sources.standfast)?;
            match standfast_plan(&view) {
                DerivedPlan::Included { request, .. } => Some((request, view.limit)),
                DerivedPlan::NotIncluded { .. } => None,
            }
        },
        |connection, (filter, limit), ticket| async move {
            let position = Default::default();
            standfast_page(&connection, &connection.scope, &filter, &position, limit, &ticket).await
        },
    );

    // What the tables show: the pages, and rows Load more and live tail added.
    let shown = crate::shown::ShownRows::use_context();
    let shown_rows = Memo::new(move |_| shown.map(|s| s.all()).unwrap_or_default());
    let iden_on = Memo::new(move |_| current.get().is_some_and(|v| v.sources.iden));
    let idme_on = Memo::new(move |_| current.get().is_some_and(|v| v.sources.idme));
    let standfast_on = Memo::new(move |_| current.get().is_some_and(|v| v.sources.standfast));
    let url_problem = move || target.get().err().map(|message| view! { <Notice message=message kind="invalid-url"/> });
    let retry = Callback::new(move |_| retries.update(|n| *n += 1));
    let iden_asks = iden_ask(move || current.get_untracked().map(|v| (v.iden_filter(), v.limit)));

    view! {
        <section class="page severity">
            <h1>"Events by severity"</h1>
            <SeverityForm current/>
            {url_problem}
            {problems.map(settings_problem_view)}
            {move || current.get().map(|view| controls(view, current))}
            {move || current.get().map(|view| view! { <SeverityChips view rows=shown_rows/> })}
            <RowTools
                with_rows=Callback::new(move |rows| current.get_untracked().map(|v| SeverityView { rows, ..v }.href()).unwrap_or_default())
                narrow=Callback::new(move |(from, to)| {
                    current.get_untracked().map(|v| SeverityView { filter_times: (Some(from), Some(to)), cursor: None, ..v }.href()).unwrap_or_default()
                })/>
            <Show when=move || iden_on.get()>
                <section class="source-section source-iden" aria-labelledby="iden-heading">
                    <h2 id="iden-heading" class="results-caption">"Iden events"</h2>
                    <LoadStatus what="Iden" loading=iden.loading waiting=iden.waiting failure=iden.failure on_retry=retry/>
                    <IdenResults loader=iden zone more=iden_more(iden_asks) live=iden_asks
                        asked=Signal::derive(move || iden.data.with(|d| d.as_ref().map(|(a, _)| a.cursor.clone())))
                        at=Callback::new(move |cursor| current.get_untracked().map(|v| SeverityView { cursor, ..v }.href()).unwrap_or_default())
                        wording=Signal::derive(move || {
                            let described = iden.data.with(|d| d.as_ref().map(|(a, _)| a.describe())).unwrap_or_default();
                            Wording { empty: format!("No Iden events match: {described}."), caption: format!("Iden events: {described}") }
                        })
                        stale=Signal::derive(move || {
                            let now = current.get().map(|v| request_key(&v));
                            iden.data.with(|d| d.as_ref().is_some_and(|(a, _)| Some(a) != now.as_ref()))
                        })/>
                </section>
            </Show>
            <Show when=move || idme_on.get()>
                <DerivedSection source=Source::Idme
                    plan=Signal::derive(move || current.get().map(|v| plan_note(idme_plan(&v))).unwrap_or(Ok(Vec::new())))
                    loading=idme.loading waiting=idme.waiting failure=idme.failure retry
                    rows=rows_of(idme, |p| &p.events) requests=requests_of(idme, |p| &p.request)
                    unreadable=Signal::derive(move || idme.data.with(|d| d.as_ref().map(|(_, p)| p.unreadable).unwrap_or(0)))
                    current zone/>
            </Show>
            <Show when=move || standfast_on.get()>
                <DerivedSection source=Source::Standfast
                    plan=Signal::derive(move || current.get().map(|v| plan_note(standfast_plan(&v))).unwrap_or(Ok(Vec::new())))
                    loading=standfast.loading waiting=standfast.waiting failure=standfast.failure retry
                    rows=rows_of(standfast, |p| &p.events) requests=requests_of(standfast, |p| &p.request)
                    unreadable=Signal::derive(move || standfast.data.with(|d| d.as_ref().map(|(_, p)| p.unreadable).unwrap_or(0)))
                    current zone/>
            </Show>
        </section>
    }
}

/// Sources and zone switches.
fn controls(view: SeverityView, current: Memo<Option<SeverityView>>) -> impl IntoView {
    let for_zone = view.clone();
    view! {
        <div class="view-controls">
            <SourceSwitches
                offered=vec![(Source::Iden, "Iden"), (Source::Idme, "ID.me (derived severity)"), (Source::Standfast, "Standfast (derived severity)")]
                included=Signal::derive(move || current.get().map(|v| v.sources).unwrap_or(SEVERITY_DEFAULT_SOURCES))
                href=Callback::new(move |(source, on): (Source, bool)| view.with_source(source, on).href())
            />
            <ZoneSwitch zone=Signal::derive(move || current.get().map(|v| v.zone).unwrap_or_default())
                href=Callback::new(move |z| SeverityView { zone: z, ..for_zone.clone() }.href())/>
        </div>
    }
}

/// Included: what was asked and what is narrowed locally; or why the source is left out.
fn plan_note<R>(plan: DerivedPlan<R>) -> Result<Vec<&'static str>, String> {
    match plan {
        DerivedPlan::Included { applied_locally, .. } => Ok(applied_locally),
        DerivedPlan::NotIncluded { reason } => Err(reason),
    }
}

/// Counts per severity over the loaded rows; each chip filters to its severity (click again to clear).
#[component]
fn SeverityChips(view: SeverityView, rows: Memo<Vec<AuditEvent>>) -> impl IntoView {
    let chips = Severity::ALL
        .into_iter()
        .map(|severity| {
            let href = view.toggled_severity(severity).href();
            let active = view.severities.contains(&severity);
            let count = move || rows.with(|r| r.iter().filter(|e| e.severity == severity).count() as u64);
            let label = move || format!("{} {}", severity.as_str(), thousands(count()));
            let title = if view.severities == [severity] {
                format!("Showing only {}: click to clear", severity.as_str())
            } else {
                format!("Show only {} events", severity.as_str())
            };
            view! {
                <A href=href attr:class=format!("chip badge severity-{}", severity.as_str())
                    attr:aria-current=active.then_some("true") attr:title=title attr:data-severity=severity.as_str()>
                    <span aria-hidden="true">{severity_icon(severity)}" "</span>{label}
                </A>
            }
        })
        .collect_view();
    view! {
        <nav class="severity-chips" aria-label="Severity of the loaded rows (click to filter)">
            {chips}
            <span class="help">{move || format!("Counts of the {} loaded rows.", thousands(rows.with(Vec::len) as u64))}</span>
        </nav>
    }
}

/// A derived source: its first page for the filters its API expresses, narrowed here by the
/// rest (the table stays mounted while they change, so rows keyed by id are kept).
#[allow(clippy::too_many_arguments)]
#[component]
fn DerivedSection(
    source: Source,
    /// The filters applied in the browser, or why the source is left out.
    plan: Signal<Result<Vec<&'static str>, String>>,
    loading: RwSignal<bool>,
    waiting: RwSignal<Option<crate::fetcher::Wait>>,
    failure: RwSignal<Option<crate::providers::ApiError>>,
    retry: Callback<()>,
    rows: Signal<Vec<AuditEvent>>,
    /// The vendor request behind `rows`.
    requests: Signal<Vec<String>>,
    unreadable: Signal<usize>,
    current: Memo<Option<SeverityView>>,
    zone: Signal<Zone>,
) -> impl IntoView {
    let name = source.label();
    let slug = name.to_ascii_lowercase().replace('.', "");
    let note = move || match plan.get() {
        Ok(local) if local.is_empty() => {
            format!("{name}'s first page for these filters. Severity is derived by Auditdeck (*).")
        }
        Ok(local) => format!(
            "{name}'s first page for the filters its API can express, then narrowed here by {}. \
             Severity is derived by Auditdeck (*).",
            local.join(", ")
        ),
        Err(reason) => format!("{name} is not included: {reason}"),
    };
    let included = Memo::new(move |_| plan.with(Result::is_ok));
    let shown: Signal<Vec<AuditEvent>> = Memo::new(move |_| {
        let Some(view) = current.get() else { return Vec::new() };
        rows.with(|all| all.iter().filter(|e| view.matches(e)).cloned().collect::<Vec<_>>())
    })
    .into();
    register_rows(shown, requests);
    let empty = move || {
        let view = current.get()?;
        let total = rows.with(Vec::len);
        (included.get() && shown.with(Vec::is_empty) && !loading.get()).then(|| {
            let text = format!("None of the {total} loaded {name} events match: {}.", view.describe());
            view! { <p class="empty" role="status">{text}</p> }
        })
    };
    let heading_id = format!("{slug}-heading");
    let labelled_by = heading_id.clone();
    let class = format!("source-section derived source-{slug}");
    view! {
        <section class=class aria-labelledby=labelled_by>
            <h2 id=heading_id class="results-caption">{format!("{name} events (derived severity)")}</h2>
            <p class="help derived-note">{note}</p>
            <Show when=move || included.get()>
                <LoadStatus what=name loading waiting failure on_retry=retry/>
                {move || unreadable_notice(unreadable.get())}
                {empty}
                <Show when=move || !shown.with(Vec::is_empty)>
                    <EventsTable events=shown zone busy=Signal::derive(move || loading.get())
                        caption=Signal::derive(move || format!("{name} events with derived severity"))/>
                </Show>
            </Show>
        </section>
    }
}

/// The filter form; "Apply" checks it with the URL's own parser and navigates once.
#[component]
fn SeverityForm(current: Memo<Option<SeverityView>>) -> impl IntoView {
    let fields = Fields::new();
    let mode_prefix = RwSignal::new(false);
    Effect::new(move |_| {
        let view = current.get().unwrap_or_default();
        mode_prefix.set(view.prefix.is_some());
        let severities: Vec<&str> = view.severities.iter().map(|s| s.as_str()).collect();
        fields.reset(vec![
            ("severity", severities.join(",")),
            ("category", view.category.clone().unwrap_or_default()),
            ("type", view.prefix.clone().or(view.event_type.clone()).unwrap_or_default()),
            ("from", input_text(view.filter_times.0)),
            ("to", input_text(view.filter_times.1)),
            ("actor", view.actor.clone().unwrap_or_default()),
            ("subject", view.subject.clone().unwrap_or_default()),
            ("actor_ip", view.actor_ip.map(|ip| ip.to_string()).unwrap_or_default()),
            ("limit", view.limit.to_string()),
        ]);
    });
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    // The prefix rule is checked as the user types, before anything can be sent.
    let prefix_problem = move || {
        let typed = fields.value("type").get();
        (mode_prefix.get() && !typed.trim().is_empty() && !typed.trim().ends_with('.'))
            .then(|| format!("A prefix must end with “.”: “{}.”", typed.trim()))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let keep = current.get_untracked().unwrap_or_default();
        let typed = fields.get("type");
        let parsed = severity_view_from_url(|key| match key {
            "type" => typed.clone().filter(|_| !mode_prefix.get_untracked()),
            "prefix" => typed.clone().filter(|_| mode_prefix.get_untracked()),
            "from" | "to" => fields.get(key).map(|v| v.trim().to_string()),
            "cursor" => None,
            "sources" => keep.sources.query_value(SEVERITY_DEFAULT_SOURCES),
            "tz" => keep.zone.query_value().map(String::from),
            // The facet filters over the loaded rows stay as they were.
            "only" | "not" | "q" | "sort" | "hide" => keep.rows.query_value(key),
            other => fields.get(other),
        });
        match parsed {
            Ok(view) => {
                error.set(None);
                navigate(&view.href(), Default::default());
            }
            Err(message) => error.set(Some(message)),
        }
    };
    let severity_boxes = Severity::ALL
        .into_iter()
        .map(|s| {
            let order: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
            view! {
                <label class="check">
                    <input type="checkbox" id=format!("severity-{}", s.as_str())
                        prop:checked=move || { fields.value("severity").track(); fields.has_item("severity", s.as_str()) }
                        on:change=move |ev| fields.set_item("severity", s.as_str(), event_target_checked(&ev), &order)/>
                    <span class=format!("badge severity-{}", s.as_str())><span aria-hidden="true">{severity_icon(s)}" "</span>{s.as_str()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="filter-form" on:submit=submit novalidate>
            <fieldset class="severity-boxes"><legend>"Severity"</legend>{severity_boxes}</fieldset>
            <div class="field-grid">
                <div class="field">
                    <label for="category">"Category"</label>
                    <select id="category" prop:value=fields.value("category") on:change=move |ev| fields.set("category", event_target_value(&ev))>
                        <option value="">"Any"</option>
                        {iden::CATEGORIES.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="event-type">"Event type"</label>
                    <div class="search-row">
                        <select id="type-mode" aria-label="Match" prop:value=move || if mode_prefix.get() { "prefix" } else { "exact" }
                            on:change=move |ev| mode_prefix.set(event_target_value(&ev) == "prefix")>
                            <option value="exact">"is"</option>
                            <option value="prefix">"starts with"</option>
                        </select>
                        <input id="event-type" type="text" autocomplete="off" spellcheck="false" aria-describedby="event-type-help"
                            placeholder="session.login.failed or session."
                            prop:value=fields.value("type") on:input=move |ev| fields.set("type", event_target_value(&ev))/>
                    </div>
                    <p id="event-type-help" class="help">"A prefix must end with “.” (e.g. session.)."</p>
                    <p class="field-error" role="alert">{prefix_problem}</p>
                </div>
                {field(fields, "from", "from", "From (UTC)", "datetime-local", None)}
                {field(fields, "to", "to", "To (UTC)", "datetime-local", None)}
                {field(fields, "actor", "actor", "Actor UUID", "text", None)}
                {field(fields, "subject", "subject", "Subject UUID", "text", None)}
                {field(fields, "actor_ip", "actor-ip", "Actor IP", "text", None)}
                {field(fields, "limit", "limit", "Page size (1–200)", "number", None)}
            </div>
            <div class="actions">
                <button type="submit">"Apply filters"</button>
                " " <A href="/severity">"Clear"</A>
            </div>
            <p id="filter-error" class="field-error" role="alert">{move || error.get()}</p>
        </form>
    }
}
