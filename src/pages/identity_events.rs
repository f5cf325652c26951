//! `/identity-events`: Standfast's identity events, filtered, walked back page by page with
//! tie-safe positions in the URL; "Load more" appends older pages, live tail puts newer events
//! on top (`from` = the newest instant seen, as the document allows nothing else).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::cursor_pager::CursorPager;
use crate::components::error_box::Notice;
use crate::components::filter_fields::{FieldText, field, has_item, item_count, set_item, typed};
use crate::components::folded_form::FoldedForm;
use crate::components::load_more::{MorePage, NextPage};
use crate::components::row_tools::RowTools;
use crate::components::view_controls::ZoneSwitch;
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::connection::state::use_app_state;
use crate::model::AuditEvent;
use crate::net::fetcher::{Ticket, now_ms};
use crate::net::http::FetchFailure;
use crate::providers::standfast::{EVENT_TYPES, MAX_LIMIT, Position};
use crate::routes::identity::{
    DEFAULT_RETENTION_MONTHS, IdentityEvents, PRESETS, identity_events_from_url, preset_range,
};
use crate::routes::query::{input_text, instant_text};
use crate::routes::view::kept_by_form;
use crate::rows::format::{Zone, thousands};
use crate::views::current::{PageView, use_view};
use crate::views::loading::connection_now;
use crate::views::section::{Live, Loaded, SourcePlan, SourceSection, TableKind};
use crate::views::sources::{StandfastPage, standfast_page};

fn request_key(view: &IdentityEvents) -> IdentityEvents {
    IdentityEvents { zone: Zone::Utc, rows: Default::default(), ..view.clone() }
}

/// Pages a live-tail check may walk when many events arrived since the last one.
const LIVE_PAGES: usize = 4;

/// The newest time among `events`.
fn newest(events: &[AuditEvent]) -> Option<DateTime<Utc>> {
    events.iter().filter_map(|e| e.occurred.parsed).map(|t| t.to_utc()).max()
}

/// What the walk knows about a page reached from another: the page before it (its URL without
/// the zone) and its number, when the walk started at the first page.
#[derive(Clone)]
struct Visited {
    newer: IdentityEvents,
    number: Option<usize>,
}

#[component]
pub fn IdentityEventsPage() -> impl IntoView {
    let page = use_view::<IdentityEvents>();
    let PageView { current, zone, .. } = page;
    let plan = StandfastWalk {
        walk: StoredValue::new(HashMap::new()),
        seen: StoredValue::new((String::new(), HashMap::new())),
        appended_tie: RwSignal::new(None),
    };
    let zone_switch = move || {
        current.get().map(|view| {
            view! { <div class="view-controls"><ZoneSwitch zone href=Callback::new(move |z| IdentityEvents { zone: z, ..view.clone() }.href())/></div> }
        })
    };
    // The sections first: making one sends its request, which then travels while the form and
    // the row tools are made (docs/PERFORMANCE.md, "The page and its first rows in one frame").
    let section = view! { <SourceSection plan view=page/> };
    view! {
        <section class="page identity-events">
            <h1>"Identity events (Standfast)"</h1>
            <FoldedForm summary=Signal::derive(move || current.get().map(|v| format!("{}; {} a page", v.describe(), v.limit)))>
                <IdentityForm current/>
            </FoldedForm>
            {page.url_problem()}
            {zone_switch}
            <RowTools/>
            {section}
        </section>
    }
}

/// Standfast's walk back through the filtered events: tie-safe positions in the URL, "Older" and
/// "Load more" by position, live tail from the newest instant seen (`from`, as the document
/// allows nothing else).
#[derive(Clone, Copy)]
struct StandfastWalk {
    /// Pages reached by "Older" in this tab: how to go back to newer ones without replaying the walk.
    walk: StoredValue<HashMap<String, Visited>>,
    /// Ids shown while walking this filter, to flag any the vendor repeats.
    seen: StoredValue<(String, HashMap<String, String>)>,
    /// Where appended pages met more events at one instant than Standfast returns at once (a
    /// new page starts over).
    appended_tie: RwSignal<Option<String>>,
}

impl SourcePlan for StandfastWalk {
    type View = IdentityEvents;
    type Key = IdentityEvents;
    type Page = StandfastPage;
    type After = Position;
    type Since = DateTime<Utc>;

    const PROVIDER: Vendor = Vendor::Standfast;

    fn what(self) -> &'static str {
        "Standfast"
    }

    fn key(self, view: &IdentityEvents) -> Option<IdentityEvents> {
        Some(request_key(view))
    }

    async fn fetch(
        self,
        connection: ResolvedConnection,
        key: IdentityEvents,
        ticket: Ticket,
    ) -> Result<StandfastPage, FetchFailure> {
        let workspace = key.workspace.clone().unwrap_or_else(|| connection.scope.clone());
        standfast_page(&connection, &workspace, &key.filter, &key.position, key.limit, &ticket).await
    }

    fn arrived(self, key: &IdentityEvents, page: &mut StandfastPage) {
        note_walk(key, page, self.seen, self.walk);
        self.appended_tie.set(None);
    }

    fn table(self) -> TableKind {
        TableKind::Standfast
    }

    fn caption(self, key: &IdentityEvents, _page: &StandfastPage) -> String {
        format!("Standfast identity events: {}", describe(key))
    }

    // "Newer" only where this tab walked from; positions are recorded without the zone, links
    // keep the one in view.
    fn pager(self, view: PageView<IdentityEvents>, asked: &IdentityEvents, page: &StandfastPage) -> Option<AnyView> {
        if page.events.is_empty() {
            return None;
        }
        let zone = view.zone.get();
        let visited = self.walk.with_value(|w| w.get(&asked.href()).cloned());
        let on_first = asked.position.before.is_none();
        let with_zone = |view: IdentityEvents| IdentityEvents { zone, ..view }.href();
        let number = if on_first { Some(1) } else { visited.as_ref().and_then(|v| v.number) };
        let count = page.events.len();
        let position = match (number, asked.position.before.as_deref()) {
            (Some(n), _) => format!("Page {} · {count} events", thousands(n as u64)),
            (None, Some(before)) => format!("{count} events before {before}"),
            (None, None) => format!("{count} events"),
        };
        Some(
            view! {
                <CursorPager
                    newest=(!on_first).then(|| with_zone(asked.first_page()))
                    newer=visited.map(|v| with_zone(v.newer))
                    older=page.older.clone().map(|p| with_zone(asked.at(p)))
                    position
                />
            }
            .into_any(),
        )
    }

    fn empty(self, _view: &IdentityEvents, asked: &IdentityEvents, _page: &StandfastPage) -> Option<AnyView> {
        asked.position.before.is_none().then(|| {
            view! { <p class="empty" role="status">{format!("No Standfast events for: {}.", describe(asked))}</p> }
                .into_any()
        })
    }

    fn ending(self, asked: &IdentityEvents, page: &StandfastPage) -> Option<AnyView> {
        let tie = page.tie_too_large.clone().or_else(|| self.appended_tie.get()).map(|at| {
            let message = format!(
                "More than {MAX_LIMIT} events share the instant {at}: Standfast's `before` paging cannot reach \
                 the rest of them. Narrow the time range to see them."
            );
            view! { <Notice kind="tie-too-large" message/> }
        });
        let now = chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default();
        let end = page.older.is_none().then(|| {
            let mut text = "End of results: there are no older events for these filters.".to_string();
            if asked.may_reach_retention(now) {
                text.push_str(&format!(
                    " The range reaches back to the workspace's retention limit (default \
                     {DEFAULT_RETENTION_MONTHS} months, set per workspace between 3 and 84): \
                     older events have been deleted by Standfast."
                ));
            }
            view! { <p class="end-of-results" role="status">{text}</p> }
        });
        Some(view! { {tie} {end} }.into_any())
    }

    fn after(self, page: &StandfastPage) -> Option<Position> {
        page.older.clone()
    }

    fn more(self, view: PageView<IdentityEvents>) -> Option<StoredValue<NextPage<Position>, LocalStorage>> {
        let state = use_app_state();
        let older_pages: NextPage<Position> = Rc::new(move |position: Position, ticket: Ticket| {
            Box::pin(async move {
                let key = view.current.get_untracked().map(|v| request_key(&v)).ok_or(FetchFailure::Aborted)?;
                let connection = connection_now(state, Vendor::Standfast)?;
                let workspace = key.workspace.clone().unwrap_or_else(|| connection.scope.clone());
                // Full pages: fewer requests for the same rows.
                let mut page =
                    standfast_page(&connection, &workspace, &key.filter, &position, MAX_LIMIT, &ticket).await?;
                self.appended_tie.try_set(page.tie_too_large.take());
                // Ids the vendor repeats across the walk's pages are flagged here too.
                let here = key.at(position).href();
                self.seen
                    .update_value(|(_, first_seen)| crate::model::flag_repeats(&mut page.events, first_seen, &here));
                Ok(MorePage {
                    events: page.events,
                    next: page.older,
                    requests: vec![page.request],
                    unreadable: page.unreadable,
                })
            })
        });
        Some(StoredValue::new_local(older_pages))
    }

    fn live(
        self,
        view: PageView<IdentityEvents>,
        loaded: Loaded<Self>,
        rows: Signal<Vec<AuditEvent>>,
    ) -> Option<Live<DateTime<Utc>>> {
        let state = use_app_state();
        let newer_events: NextPage<DateTime<Utc>> = Rc::new(move |from: DateTime<Utc>, ticket: Ticket| {
            Box::pin(async move {
                let key = view.current.get_untracked().map(|v| request_key(&v)).ok_or(FetchFailure::Aborted)?;
                let connection = connection_now(state, Vendor::Standfast)?;
                let workspace = key.workspace.clone().unwrap_or_else(|| connection.scope.clone());
                let filter = crate::providers::standfast::Filter { from: Some(from), ..key.filter.clone() };
                let (mut found, mut requests, mut unreadable) = (Vec::new(), Vec::new(), 0);
                let mut position = Position::default();
                for _ in 0..LIVE_PAGES {
                    let page = standfast_page(&connection, &workspace, &filter, &position, MAX_LIMIT, &ticket).await?;
                    found.extend(page.events);
                    requests.push(page.request);
                    unreadable += page.unreadable;
                    match page.older {
                        Some(older) => position = older,
                        None => break,
                    }
                }
                // `from` is inclusive: the events of the newest instant seen come again.
                let known: HashSet<String> = rows.with_untracked(|r| r.iter().map(|e| e.id.clone()).collect());
                found.retain(|e| !known.contains(&e.id));
                let newest = newest(&found);
                Ok(MorePage { events: found, next: Some(newest.map_or(from, |t| t.max(from))), requests, unreadable })
            })
        });
        // Live tail follows the newest page of an open-ended range, from its newest instant.
        let start =
            Signal::derive(move || {
                loaded.data.with(|d| {
                    let (asked, page) = d.as_ref()?;
                    if asked.position.before.is_some() || asked.filter.to.is_some() {
                        return None;
                    }
                    Some(newest(&page.events).or(asked.filter.from).unwrap_or_else(|| {
                        chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default()
                    }))
                })
            });
        Some(Live {
            start,
            poll: StoredValue::new_local(newer_events),
            idle_note: "Live tail follows the newest page of a range without an end: go to « Newest and clear “To” to use it.",
        })
    }
}

/// Records a page of a walk: duplicates flagged (an id first shown on another page of this walk),
/// and the way back from the next older page.
fn note_walk(
    key: &IdentityEvents,
    page: &mut StandfastPage,
    seen: StoredValue<(String, HashMap<String, String>)>,
    walk: StoredValue<HashMap<String, Visited>>,
) {
    let walk_key = key.first_page().href();
    let here = key.href();
    seen.update_value(|(k, first_seen)| {
        if *k != walk_key {
            *k = walk_key;
            first_seen.clear();
        }
        crate::model::flag_repeats(&mut page.events, first_seen, &here);
    });
    if let Some(older) = &page.older {
        let number = if key.position.before.is_none() {
            Some(1)
        } else {
            walk.with_value(|w| w.get(&here).and_then(|v| v.number))
        };
        walk.update_value(|w| {
            w.insert(key.at(older.clone()).href(), Visited { newer: key.clone(), number: number.map(|n| n + 1) });
        });
    }
}

/// The filters in words, for captions and empty states.
fn describe(view: &IdentityEvents) -> String {
    let mut parts = Vec::new();
    if let Some(w) = &view.workspace {
        parts.push(format!("workspace {w}"));
    }
    if let Some(f) = view.filter.from {
        parts.push(format!("from {}", instant_text(f)));
    }
    if let Some(t) = view.filter.to {
        parts.push(format!("to {}", instant_text(t)));
    }
    if !view.filter.types.is_empty() {
        parts.push(format!("type {}", view.filter.types.join(" or ")));
    }
    if let Some(c) = &view.filter.contact {
        parts.push(format!("contact {c}"));
    }
    if parts.is_empty() { "all events of the workspace".into() } else { parts.join(", ") }
}

/// The identity events form: what the user typed, field by field.
#[derive(Clone, Copy)]
struct IdentityFields {
    workspace: FieldText,
    from: FieldText,
    to: FieldText,
    /// Event types, comma-separated.
    types: FieldText,
    contact: FieldText,
    limit: FieldText,
}

impl IdentityFields {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        IdentityFields { workspace: text(), from: text(), to: text(), types: text(), contact: text(), limit: text() }
    }

    /// Shows the view in force.
    fn show(self, view: &IdentityEvents) {
        self.workspace.set(view.workspace.clone().unwrap_or_default());
        self.from.set(input_text(view.filter.from));
        self.to.set(input_text(view.filter.to));
        self.types.set(view.filter.types.join(","));
        self.contact.set(view.filter.contact.clone().unwrap_or_default());
        self.limit.set(if view.limit == 0 { String::new() } else { view.limit.to_string() });
    }

    /// The query value the view's parser reads for `key`, as typed.
    fn query(self, key: &str) -> Option<String> {
        match key {
            "workspace" => typed(self.workspace),
            "from" => typed(self.from),
            "to" => typed(self.to),
            "types" => typed(self.types),
            "contact" => typed(self.contact),
            "limit" => typed(self.limit),
            _ => None,
        }
    }
}

#[component]
fn IdentityForm(current: Memo<Option<IdentityEvents>>) -> impl IntoView {
    let state = use_app_state();
    let fields = IdentityFields::new();
    Effect::new(move |_| fields.show(&current.get().unwrap_or_default()));
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let go = move |values: &dyn Fn(&str) -> Option<String>| {
        let keep = current.get_untracked().unwrap_or_default();
        let parsed = identity_events_from_url(|key| match key {
            "before" | "skip" => None,
            // The zone and the filters over the loaded rows stay as they were.
            other => kept_by_form(&keep, other).unwrap_or_else(|| values(other)),
        });
        match parsed {
            Ok(view) => {
                error.set(None);
                navigate(&view.href(), Default::default());
            }
            Err(message) => error.set(Some(message)),
        }
    };
    let submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            go(&|k| fields.query(k));
        }
    };
    let presets = PRESETS
        .into_iter()
        .map(|(key, label, _)| {
            let go = go.clone();
            view! {
                <button type="button" class="preset" data-preset=key on:click=move |_| {
                    let Some((from, to)) = preset_range(key, chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default()) else { return };
                    let (from, to) = (instant_text(from), instant_text(to));
                    go(&|k| match k { "from" => Some(from.clone()), "to" => Some(to.clone()), other => fields.query(other) });
                }>{label}</button>
            }
        })
        .collect_view();
    let order: Vec<&'static str> = EVENT_TYPES.iter().map(|(t, _)| *t).collect();
    let type_boxes = EVENT_TYPES
        .into_iter()
        .map(|(name, meaning)| {
            let order = order.clone();
            let help_id = format!("type-{name}-help");
            view! {
                <label class="check type-choice">
                    <input type="checkbox" id=format!("type-{name}") aria-describedby=help_id.clone()
                        prop:checked=move || has_item(fields.types, name)
                        on:change=move |ev| set_item(fields.types, name, event_target_checked(&ev), &order)/>
                    <span><code>{name}</code><span id=help_id class="help">{meaning}</span></span>
                </label>
            }
        })
        .collect_view();
    let workspace_placeholder = move || {
        state
            .connection(Vendor::Standfast)
            .ok()
            .flatten()
            .map(|c| format!("{} (from Settings)", c.scope))
            .unwrap_or_default()
    };
    view! {
        <form class="filter-form" on:submit=submit novalidate>
            <div class="field-grid">
                <div class="field">
                    <label for="workspace">"Workspace"</label>
                    <input id="workspace" type="text" autocomplete="off" spellcheck="false" placeholder=workspace_placeholder
                        prop:value=fields.workspace on:input=move |ev| fields.workspace.set(event_target_value(&ev))/>
                </div>
                {field(fields.from, "from", "From (UTC)", "datetime-local", None)}
                {field(fields.to, "to", "To (UTC)", "datetime-local", None)}
                {field(fields.contact, "contact", "Contact UUID", "text", Some("Events bound to this contact (factorBoundToPrincipal)."))}
                {field(fields.limit, "limit", "Page size (1–500)", "number", None)}
            </div>
            <div class="presets" role="group" aria-label="Time range presets">"Range: "{presets}</div>
            <details class="type-picker">
                <summary>{move || {
                    let n = item_count(fields.types);
                    if n == 0 { "Event types: all".to_string() } else { format!("Event types: {n} selected") }
                }}</summary>
                <fieldset class="types"><legend>"Event types"</legend>{type_boxes}</fieldset>
            </details>
            <div class="actions">
                <button type="submit">"Apply filters"</button>
                " " <a href="/identity-events">"Clear"</a>
            </div>
            <p id="filter-error" class="field-error" role="alert">{move || error.get()}</p>
        </form>
    }
}
