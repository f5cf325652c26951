//! `/severity`: Iden's events filtered by severity and the rest of its filters, severity chips
//! over the loaded rows, the rate limit made visible; optionally ID.me and Standfast events with
//! severity derived by Auditdeck, where their APIs can express the filters.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::events_table::severity_icon;
use crate::components::filter_fields::{FieldText, field, has_item, set_item, typed};
use crate::components::folded_form::FoldedForm;
use crate::components::row_tools::RowTools;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::model::{AuditEvent, Severity};
use crate::net::fetcher::Ticket;
use crate::net::http::FetchFailure;
use crate::providers::{iden, signals};
use crate::routes::query::input_text;
use crate::routes::severity::{
    DerivedPlan, IdmeRequest, SEVERITY_DEFAULT_SOURCES, SeverityView, idme_plan, severity_view_from_url, signals_plan,
    standfast_plan,
};
use crate::routes::view::kept_by_form;
use crate::rows::format::{Zone, thousands};
use crate::views::current::{PageView, use_view};
use crate::views::iden_listing::{IdenAsk, IdenListing};
use crate::views::section::{SourcePage, SourcePlan, SourceSection};
use crate::views::sources::{
    IdmePage, SignalsPage, StandfastPage, idme_by_ip, idme_by_user, signals_list, standfast_page,
};

/// The view as far as a source's request depends on it (not the zone, not other sources).
fn request_key(view: &SeverityView) -> SeverityView {
    SeverityView { zone: Zone::Utc, sources: SEVERITY_DEFAULT_SOURCES, rows: Default::default(), ..view.clone() }
}

#[component]
pub fn SeverityPage() -> impl IntoView {
    let page = use_view::<SeverityView>();
    let PageView { current, zone, .. } = page;
    // Made once, not again for every view: their links read the view when they are made.
    let has_view = Memo::new(move |_| current.with(Option::is_some));
    // What the tables show (the pages, and rows Load more and live tail added), a frame after them.
    let shown_rows = match crate::views::shown::ShownRows::use_context() {
        Some(shown) => shown.all_now_and_a_frame_late().1,
        None => signal(Vec::new()).0,
    };
    // The sections first: making one sends its request, which then travels while the form and
    // the row tools are made (docs/PERFORMANCE.md, "The page and its first rows in one frame").
    let sections = view! {
        <SourceSection plan=IDEN_BY_SEVERITY view=page/>
        <SourceSection plan=Derived(IdmeBySeverity) view=page/>
        <SourceSection plan=Derived(StandfastBySeverity) view=page/>
        <SourceSection plan=Derived(SignalsBySeverity) view=page/>
    };
    view! {
        <section class="page severity">
            <h1>"Events by severity"</h1>
            <FoldedForm summary=Signal::derive(move || current.get().map(|v| format!("{}; {} a page", v.describe(), v.limit)))>
                <SeverityForm current/>
            </FoldedForm>
            {page.url_problem()}
            {move || has_view.get().then(|| controls(current, zone))}
            {move || current.get().map(|view| view! { <SeverityChips view rows=shown_rows/> })}
            <RowTools/>
            {sections}
        </section>
    }
}

/// Iden's listing with every filter of the view: the source the view is made for.
const IDEN_BY_SEVERITY: IdenListing<SeverityView> = IdenListing {
    key: |v| v.sources.has(Vendor::Iden).then(|| request_key(v)),
    ask: |v| IdenAsk { filter: v.iden_filter(), limit: v.limit, cursor: v.cursor.clone() },
    at: |v, cursor| SeverityView { cursor, ..v.clone() },
    heading: |_| "Iden events".to_string(),
    empty: |v| format!("No Iden events match: {}.", v.describe()),
    caption: |v| format!("Iden events: {}", v.describe()),
    live: true,
};

/// A source whose severity Auditdeck derives: its first page for the filters its API expresses,
/// narrowed here by the rest (or left out, saying why).
trait DerivedSource: Default + Copy + Send + Sync + 'static {
    type Request: Clone + PartialEq + Send + Sync + 'static;
    type Page: SourcePage;
    const PROVIDER: Vendor;
    const SOURCE: Vendor;
    fn on(view: &SeverityView) -> bool;
    fn plan(view: &SeverityView) -> DerivedPlan<Self::Request>;
    fn fetch(
        connection: ResolvedConnection,
        request: Self::Request,
        limit: u32,
        ticket: Ticket,
    ) -> impl Future<Output = Result<Self::Page, FetchFailure>> + 'static;
}

#[derive(Default, Clone, Copy)]
struct IdmeBySeverity;

impl DerivedSource for IdmeBySeverity {
    type Request = IdmeRequest;
    type Page = IdmePage;
    const PROVIDER: Vendor = Vendor::Idme;
    const SOURCE: Vendor = Vendor::Idme;

    fn on(view: &SeverityView) -> bool {
        view.sources.has(Vendor::Idme)
    }

    fn plan(view: &SeverityView) -> DerivedPlan<IdmeRequest> {
        idme_plan(view)
    }

    // ID.me's page size is its own.
    async fn fetch(
        connection: ResolvedConnection,
        request: IdmeRequest,
        _limit: u32,
        ticket: Ticket,
    ) -> Result<IdmePage, FetchFailure> {
        match request {
            IdmeRequest::ByIp(ip) => idme_by_ip(&connection, ip, 1, &ticket).await,
            IdmeRequest::ByUser(uuid) => idme_by_user(&connection, &uuid, 1, &ticket).await,
        }
    }
}

#[derive(Default, Clone, Copy)]
struct StandfastBySeverity;

impl DerivedSource for StandfastBySeverity {
    type Request = crate::providers::standfast::Filter;
    type Page = StandfastPage;
    const PROVIDER: Vendor = Vendor::Standfast;
    const SOURCE: Vendor = Vendor::Standfast;

    fn on(view: &SeverityView) -> bool {
        view.sources.has(Vendor::Standfast)
    }

    fn plan(view: &SeverityView) -> DerivedPlan<Self::Request> {
        standfast_plan(view)
    }

    async fn fetch(
        connection: ResolvedConnection,
        filter: Self::Request,
        limit: u32,
        ticket: Ticket,
    ) -> Result<StandfastPage, FetchFailure> {
        let position = Default::default();
        standfast_page(&connection, &connection.scope, &filter, &position, limit, &ticket).await
    }
}

#[derive(Default, Clone, Copy)]
struct SignalsBySeverity;

impl DerivedSource for SignalsBySeverity {
    type Request = signals::Filter;
    type Page = SignalsPage;
    const PROVIDER: Vendor = Vendor::Signals;
    const SOURCE: Vendor = Vendor::Signals;

    fn on(view: &SeverityView) -> bool {
        view.sources.has(Vendor::Signals)
    }

    fn plan(view: &SeverityView) -> DerivedPlan<Self::Request> {
        signals_plan(view)
    }

    async fn fetch(
        _connection: ResolvedConnection,
        filter: Self::Request,
        limit: u32,
        ticket: Ticket,
    ) -> Result<SignalsPage, FetchFailure> {
        signals_list(&filter, limit, &ticket, false).await
    }
}

#[derive(Default, Clone, Copy)]
struct Derived<D: DerivedSource>(D);

impl<D: DerivedSource> SourcePlan for Derived<D> {
    type View = SeverityView;
    /// The request and the page size.
    type Key = (D::Request, u32);
    type Page = D::Page;
    type After = ();
    type Since = ();

    const PROVIDER: Vendor = D::PROVIDER;

    fn what(self) -> &'static str {
        D::SOURCE.label()
    }

    fn heading(self, _view: &SeverityView) -> Option<String> {
        Some(format!("{} events (derived severity)", D::SOURCE.label()))
    }

    fn shown(self, view: &SeverityView) -> bool {
        D::on(view)
    }

    fn key(self, view: &SeverityView) -> Option<Self::Key> {
        match D::plan(view) {
            DerivedPlan::Included { request, .. } if D::on(view) => Some((request, view.limit)),
            _ => None,
        }
    }

    fn fetch(
        self,
        connection: ResolvedConnection,
        (request, limit): Self::Key,
        ticket: Ticket,
    ) -> impl Future<Output = Result<D::Page, FetchFailure>> + 'static {
        D::fetch(connection, request, limit, ticket)
    }

    fn keeps(self, view: &SeverityView, event: &AuditEvent) -> bool {
        view.matches(event)
    }

    fn caption(self, _key: &Self::Key, _page: &D::Page) -> String {
        format!("{} events with derived severity", D::SOURCE.label())
    }

    fn note(self, view: &SeverityView) -> Option<String> {
        let name = D::SOURCE.label();
        Some(match D::plan(view) {
            DerivedPlan::Included { applied_locally, .. } if applied_locally.is_empty() => {
                format!("{name}'s first page for these filters. Severity is derived by Auditdeck (*).")
            }
            DerivedPlan::Included { applied_locally, .. } => format!(
                "{name}'s first page for the filters its API can express, then narrowed here by {}. \
                 Severity is derived by Auditdeck (*).",
                applied_locally.join(", ")
            ),
            DerivedPlan::NotIncluded { reason } => format!("{name} is not included: {reason}"),
        })
    }

    fn empty(self, view: &SeverityView, _key: &Self::Key, page: &D::Page) -> Option<AnyView> {
        let text = format!(
            "None of the {} loaded {} events match: {}.",
            page.events().len(),
            D::SOURCE.label(),
            view.describe()
        );
        Some(view! { <p class="empty" role="status">{text}</p> }.into_any())
    }
}

/// The view's sources; signals where the gateway receives them.
fn offered_sources() -> Vec<(Vendor, &'static str)> {
    let mut offered = vec![
        (Vendor::Iden, "Iden"),
        (Vendor::Idme, "ID.me (derived severity)"),
        (Vendor::Standfast, "Standfast (derived severity)"),
    ];
    if crate::connection::state::gateway_has_signals() {
        offered.push((Vendor::Signals, "Security signals"));
    }
    offered
}

/// Sources and zone switches, made once: their links read the view where each is made, and the
/// zone marker reads the page's zone. Made again for every view with a zone derived here, the
/// old switch's marker could read that zone once more after it was dropped with them.
fn controls(current: Memo<Option<SeverityView>>, zone: Signal<Zone>) -> impl IntoView {
    // Tracked where a link's address is rendered; read once where a change navigates.
    let view = move || current.get().unwrap_or_default();
    let view_now = move || current.get_untracked().unwrap_or_default();
    view! {
        <div class="view-controls">
            <SourceSwitches
                offered=offered_sources()
                included=Signal::derive(move || current.get().map(|v| v.sources).unwrap_or(SEVERITY_DEFAULT_SOURCES))
                href=Callback::new(move |(source, on): (Vendor, bool)| view_now().with_source(source, on).href())
            />
            <ZoneSwitch zone href=Callback::new(move |z| SeverityView { zone: z, ..view() }.href())/>
        </div>
    }
}

/// Counts per severity over the loaded rows; each chip filters to its severity (click again to clear).
#[component]
fn SeverityChips(view: SeverityView, rows: ReadSignal<Vec<AuditEvent>>) -> impl IntoView {
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
                <a href=href class=format!("chip badge severity-{}", severity.as_str())
                    aria-current=active.then_some("true") title=title data-severity=severity.as_str()>
                    <span aria-hidden="true">{severity_icon(severity)}" "</span>{label}
                </a>
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

/// The severity form: what the user typed, field by field.
#[derive(Clone, Copy)]
struct SeverityFields {
    /// Severities, comma-separated.
    severity: FieldText,
    category: FieldText,
    /// An event type, or a prefix when `prefix` is on.
    event_type: FieldText,
    prefix: RwSignal<bool>,
    from: FieldText,
    to: FieldText,
    actor: FieldText,
    subject: FieldText,
    actor_ip: FieldText,
    limit: FieldText,
}

impl SeverityFields {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        SeverityFields {
            severity: text(),
            category: text(),
            event_type: text(),
            prefix: RwSignal::new(false),
            from: text(),
            to: text(),
            actor: text(),
            subject: text(),
            actor_ip: text(),
            limit: text(),
        }
    }

    /// Shows the view in force.
    fn show(self, view: &SeverityView) {
        let severities: Vec<&str> = view.severities.iter().map(|s| s.as_str()).collect();
        self.severity.set(severities.join(","));
        self.category.set(view.category.clone().unwrap_or_default());
        self.prefix.set(view.prefix.is_some());
        self.event_type.set(view.prefix.clone().or(view.event_type.clone()).unwrap_or_default());
        self.from.set(input_text(view.filter_times.0));
        self.to.set(input_text(view.filter_times.1));
        self.actor.set(view.actor.as_ref().map(ToString::to_string).unwrap_or_default());
        self.subject.set(view.subject.as_ref().map(ToString::to_string).unwrap_or_default());
        self.actor_ip.set(view.actor_ip.map(|ip| ip.to_string()).unwrap_or_default());
        self.limit.set(view.limit.to_string());
    }

    /// The query value the view's parser reads for `key`, as typed.
    fn query(self, key: &str) -> Option<String> {
        let prefix = self.prefix.get_untracked();
        match key {
            "severity" => typed(self.severity),
            "category" => typed(self.category),
            "type" => typed(self.event_type).filter(|_| !prefix),
            "prefix" => typed(self.event_type).filter(|_| prefix),
            "from" => typed(self.from).map(|v| v.trim().to_string()),
            "to" => typed(self.to).map(|v| v.trim().to_string()),
            "actor" => typed(self.actor),
            "subject" => typed(self.subject),
            "actor_ip" => typed(self.actor_ip),
            "limit" => typed(self.limit),
            _ => None,
        }
    }
}

/// The filter form; "Apply" checks it with the URL's own parser and navigates once.
#[component]
fn SeverityForm(current: Memo<Option<SeverityView>>) -> impl IntoView {
    let fields = SeverityFields::new();
    let mode_prefix = fields.prefix;
    Effect::new(move |_| fields.show(&current.get().unwrap_or_default()));
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    // The prefix rule is checked as the user types, before anything can be sent.
    let prefix_problem = move || {
        let typed = fields.event_type.get();
        (mode_prefix.get() && !typed.trim().is_empty() && !typed.trim().ends_with('.'))
            .then(|| format!("A prefix must end with “.”: “{}.”", typed.trim()))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let keep = current.get_untracked().unwrap_or_default();
        let parsed = severity_view_from_url(|key| match key {
            "cursor" => None,
            "sources" => keep.sources.query_value(SEVERITY_DEFAULT_SOURCES),
            // The zone and the filters over the loaded rows stay as they were.
            other => kept_by_form(&keep, other).unwrap_or_else(|| fields.query(other)),
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
                        prop:checked=move || has_item(fields.severity, s.as_str())
                        on:change=move |ev| set_item(fields.severity, s.as_str(), event_target_checked(&ev), &order)/>
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
                    <select id="category" prop:value=fields.category on:change=move |ev| fields.category.set(event_target_value(&ev))>
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
                            prop:value=fields.event_type on:input=move |ev| fields.event_type.set(event_target_value(&ev))/>
                    </div>
                    <p id="event-type-help" class="help">"A prefix must end with “.” (e.g. session.)."</p>
                    <p class="field-error" role="alert">{prefix_problem}</p>
                </div>
                {field(fields.from, "from", "From (UTC)", "datetime-local", None)}
                {field(fields.to, "to", "To (UTC)", "datetime-local", None)}
                {field(fields.actor, "actor", "Actor UUID", "text", None)}
                {field(fields.subject, "subject", "Subject UUID", "text", None)}
                {field(fields.actor_ip, "actor-ip", "Actor IP", "text", None)}
                {field(fields.limit, "limit", "Page size (1–200)", "number", None)}
            </div>
            <div class="actions">
                <button type="submit">"Apply filters"</button>
                " " <a href="/severity">"Clear"</a>
            </div>
            <p id="filter-error" class="field-error" role="alert">{move || error.get()}</p>
        </form>
    }
}
