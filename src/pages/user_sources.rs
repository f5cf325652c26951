//! The user timeline's sources, each a plan: ID.me's search by user (page numbers), Iden's
//! listing with the user as actor and as subject (cursors; Iden's filters combine with AND, so
//! it takes two listings), and Standfast events bound to the user as a contact (a walk). The
//! timeline merges their pages into one list; each source keeps its own pager line.

use leptos::prelude::*;

use crate::components::error_box::unreadable_notice;
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::connection::state::gateway_has_signals;
use crate::net::fetcher::Ticket;
use crate::net::http::FetchFailure;
use crate::providers::{iden, signals, standfast};
use crate::routes::query::Uuid;
use crate::routes::signals::SignalsView;
use crate::routes::user::UserTimeline;
use crate::rows::format::thousands;
use crate::views::current::PageView;
use crate::views::section::SourcePlan;
use crate::views::sources::{
    IdenPage, IdmePage, SignalsPage, StandfastPage, iden_list, idme_by_user, signals_list, standfast_page,
};

/// Events per page from the cursor sources (ID.me's page size is fixed at 50 too).
const TIMELINE_PAGE: u32 = 50;

/// ID.me's search by user.
#[derive(Clone, Copy)]
pub struct IdmeByUser;

impl SourcePlan for IdmeByUser {
    type View = UserTimeline;
    type Key = (Uuid, u64);
    type Page = IdmePage;
    type After = u64;
    type Since = ();

    const PROVIDER: Vendor = Vendor::Idme;

    fn what(self) -> &'static str {
        "ID.me"
    }

    fn key(self, view: &UserTimeline) -> Option<(Uuid, u64)> {
        view.sources.has(Vendor::Idme).then(|| (view.uuid.clone(), view.page))
    }

    async fn fetch(
        self,
        connection: ResolvedConnection,
        (uuid, page): (Uuid, u64),
        ticket: Ticket,
    ) -> Result<IdmePage, FetchFailure> {
        idme_by_user(&connection, &uuid, page, &ticket).await
    }

    fn caption(self, _key: &(Uuid, u64), _page: &IdmePage) -> String {
        String::new()
    }

    fn pager(self, view: PageView<UserTimeline>, _key: &(Uuid, u64), page: &IdmePage) -> Option<AnyView> {
        let total = page.meta.total_pages.unwrap_or(0);
        let at = move |n: u64| view.href(|v| UserTimeline { page: n, ..v });
        let position = format!(
            "page {} of {} · {} events",
            thousands(page.page),
            thousands(total),
            thousands(page.meta.total_count.unwrap_or(0))
        );
        let newer = (page.page > 1).then(|| at(page.page - 1));
        let older = (page.page < total).then(|| at(page.page + 1));
        Some(source_pager(self.what(), position, ("‹ Newer", newer), older, page.unreadable))
    }

    fn empty(self, _view: &UserTimeline, _key: &(Uuid, u64), _page: &IdmePage) -> Option<AnyView> {
        None
    }

    fn after(self, page: &IdmePage) -> Option<u64> {
        page.meta.next_page
    }
}

/// Iden's listing with the user in one role.
#[derive(Clone, Copy)]
pub enum IdenByUser {
    Actor,
    Subject,
}

impl IdenByUser {
    fn cursor(self, view: &UserTimeline) -> Option<String> {
        match self {
            IdenByUser::Actor => view.cursor.clone(),
            IdenByUser::Subject => view.subject_cursor.clone(),
        }
    }

    fn at(self, view: UserTimeline, cursor: Option<String>) -> UserTimeline {
        match self {
            IdenByUser::Actor => UserTimeline { cursor, ..view },
            IdenByUser::Subject => UserTimeline { subject_cursor: cursor, ..view },
        }
    }
}

impl SourcePlan for IdenByUser {
    type View = UserTimeline;
    type Key = (Uuid, Option<String>);
    type Page = IdenPage;
    type After = String;
    type Since = ();

    const PROVIDER: Vendor = Vendor::Iden;

    fn what(self) -> &'static str {
        match self {
            IdenByUser::Actor => "Iden (as actor)",
            IdenByUser::Subject => "Iden (as subject)",
        }
    }

    fn key(self, view: &UserTimeline) -> Option<(Uuid, Option<String>)> {
        view.sources.has(Vendor::Iden).then(|| (view.uuid.clone(), self.cursor(view)))
    }

    async fn fetch(
        self,
        connection: ResolvedConnection,
        (uuid, cursor): (Uuid, Option<String>),
        ticket: Ticket,
    ) -> Result<IdenPage, FetchFailure> {
        let filter = match self {
            IdenByUser::Actor => iden::Filter { actor_uuid: Some(uuid.to_string()), ..Default::default() },
            IdenByUser::Subject => iden::Filter { subject_uuid: Some(uuid.to_string()), ..Default::default() },
        };
        iden_list(&connection, &filter, cursor.as_deref(), TIMELINE_PAGE, &ticket).await
    }

    fn caption(self, _key: &(Uuid, Option<String>), _page: &IdenPage) -> String {
        String::new()
    }

    fn pager(
        self,
        view: PageView<UserTimeline>,
        (_, cursor): &(Uuid, Option<String>),
        page: &IdenPage,
    ) -> Option<AnyView> {
        let at = move |c: Option<String>| view.href(|v| self.at(v, c));
        // The first page's previous_cursor leads to events added since: not a newer page yet.
        let newer = cursor.is_some().then(|| page.previous_cursor.clone().map(|c| at(Some(c)))).flatten();
        let older = page.next_cursor.clone().map(|c| at(Some(c)));
        let where_ = if cursor.is_none() { "newest" } else { "older" };
        let position = format!("{where_} {} events", page.events.len());
        Some(source_pager(self.what(), position, ("‹ Newer", newer), older, page.unreadable))
    }

    fn empty(self, _view: &UserTimeline, _key: &(Uuid, Option<String>), _page: &IdenPage) -> Option<AnyView> {
        None
    }

    fn after(self, page: &IdenPage) -> Option<String> {
        page.next_cursor.clone()
    }
}

/// Standfast events bound to the user as a contact.
#[derive(Clone, Copy)]
pub struct StandfastByContact;

impl SourcePlan for StandfastByContact {
    type View = UserTimeline;
    type Key = (Uuid, standfast::Position);
    type Page = StandfastPage;
    type After = standfast::Position;
    type Since = ();

    const PROVIDER: Vendor = Vendor::Standfast;

    fn what(self) -> &'static str {
        "Standfast"
    }

    fn key(self, view: &UserTimeline) -> Option<(Uuid, standfast::Position)> {
        view.sources.has(Vendor::Standfast).then(|| (view.uuid.clone(), view.position.clone()))
    }

    async fn fetch(
        self,
        connection: ResolvedConnection,
        (uuid, position): (Uuid, standfast::Position),
        ticket: Ticket,
    ) -> Result<StandfastPage, FetchFailure> {
        let filter = standfast::Filter { contact: Some(uuid.to_string()), ..Default::default() };
        standfast_page(&connection, &connection.scope, &filter, &position, TIMELINE_PAGE, &ticket).await
    }

    fn caption(self, _key: &(Uuid, standfast::Position), _page: &StandfastPage) -> String {
        String::new()
    }

    fn pager(
        self,
        view: PageView<UserTimeline>,
        (_, position): &(Uuid, standfast::Position),
        page: &StandfastPage,
    ) -> Option<AnyView> {
        let older = page.older.clone().map(|p| view.href(|v| UserTimeline { position: p, ..v }));
        let newest =
            position.before.is_some().then(|| view.href(|v| UserTimeline { position: Default::default(), ..v }));
        let where_ = if position.before.is_none() { "newest" } else { "older" };
        let position = format!("{where_} {} events", page.events.len());
        Some(source_pager(self.what(), position, ("« Newest", newest), older, page.unreadable))
    }

    fn empty(self, _view: &UserTimeline, _key: &(Uuid, standfast::Position), _page: &StandfastPage) -> Option<AnyView> {
        None
    }

    fn after(self, page: &StandfastPage) -> Option<standfast::Position> {
        page.older.clone()
    }
}

/// The security signals whose subject is the user: the newest page, and a link to all of them
/// in the signals view (where they page). Shown only where the gateway receives signals.
#[derive(Clone, Copy)]
pub struct SignalsAboutUser;

impl SourcePlan for SignalsAboutUser {
    type View = UserTimeline;
    type Key = Uuid;
    type Page = SignalsPage;
    type After = ();
    type Since = ();

    const PROVIDER: Vendor = Vendor::Signals;

    fn what(self) -> &'static str {
        "Signals"
    }

    fn key(self, view: &UserTimeline) -> Option<Uuid> {
        (view.sources.has(Vendor::Signals) && gateway_has_signals()).then(|| view.uuid.clone())
    }

    async fn fetch(
        self,
        _connection: ResolvedConnection,
        uuid: Uuid,
        ticket: Ticket,
    ) -> Result<SignalsPage, FetchFailure> {
        let filter = signals::Filter { subject: Some(uuid.hex()), ..Default::default() };
        signals_list(&filter, TIMELINE_PAGE, &ticket, false).await
    }

    fn caption(self, _key: &Uuid, _page: &SignalsPage) -> String {
        String::new()
    }

    fn pager(self, _view: PageView<UserTimeline>, uuid: &Uuid, page: &SignalsPage) -> Option<AnyView> {
        let all = SignalsView::about(&uuid.hex()).href();
        let position = format!("newest {} signals", page.events.len());
        Some(
            view! {
                <li class="source-pager" data-source=self.what()>
                    <strong>{self.what()}</strong>" · "<span class="pager-position">{position}</span>" "
                    <a href=all class="pager-link">"All signals about this person ›"</a>
                    {unreadable_notice(page.unreadable)}
                </li>
            }
            .into_any(),
        )
    }

    fn empty(self, _view: &UserTimeline, _key: &Uuid, _page: &SignalsPage) -> Option<AnyView> {
        None
    }
}

/// One source's place in the timeline. `newer` is (label, link): "‹ Newer" where the vendor
/// can page forward, "« Newest" where only the first page can be reopened.
fn source_pager(
    label: &'static str,
    position: String,
    (newer_label, newer): (&'static str, Option<String>),
    older: Option<String>,
    unreadable: usize,
) -> AnyView {
    let link = |text: &'static str, rel: &'static str, href: Option<String>| match href {
        Some(href) => view! { <a href=href rel=rel class="pager-link">{text}</a> }.into_any(),
        None => view! { <span class="pager-link disabled" aria-disabled="true">{text}</span> }.into_any(),
    };
    view! {
        <li class="source-pager" data-source=label>
            <strong>{label}</strong>" · "<span class="pager-position">{position}</span>" "
            {link(newer_label, "prev", newer)}" "{link("Older ›", "next", older)}
            {unreadable_notice(unreadable)}
        </li>
    }
    .into_any()
}
