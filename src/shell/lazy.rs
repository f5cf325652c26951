//! The split points: code the first load does not need lives in wasm chunks of its own, fetched
//! when first used. The build splits the wasm at these functions (xtask/src/wasm.rs); natively
//! they are plain calls.
//!
//! The views of events (IP search, timeline, identity events, severity, event lookup, signals)
//! and the event detail panel are one chunk, `views`: they share most of their code, and a
//! chunk per view left the splitter a shared chunk for every combination of views that shares
//! some function, so a link to one view fetched up to 92 files. Settings, verify and the access log
//! each stay a chunk of their own.
//!
//! A chunk that cannot be fetched (network gone, or a new build replaced the files) becomes a
//! message on the page, not a panic: the split functions are `fallible`.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::LazyRoute;
use leptos_router::hooks::use_query_map;

use crate::components::detail_panel::DetailPanel;
use crate::connection::state::AppState;
use crate::routes::permalink::EVENT_PARAM;

fn load_failed_text(what: &str, error: &SplitLoaderError) -> String {
    format!(
        "{what} could not be loaded (Auditdeck {error}): the network may be down, or Auditdeck was updated since this tab opened. Reload the page."
    )
}

/// What a route shows when its chunk failed to load.
fn route_load_failed(error: SplitLoaderError) -> AnyView {
    view! {
        <section class="page load-failed">
            <h1>"This view could not be loaded"</h1>
            <p role="alert">{load_failed_text("This view", &error)}</p>
            <p><a href="">"Reload this view"</a></p>
        </section>
    }
    .into_any()
}

/// Declares `$fetch`, which loads chunk `$chunk` and makes nothing.
macro_rules! chunk_code {
    ($chunk:ident, $fetch:ident) => {
        #[wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        #[allow(improper_ctypes_definitions)] // Rust on both sides of the split
        fn $fetch() -> Result<(), SplitLoaderError> {
            Ok(())
        }
    };
}

chunk_code!(views, views_code);
chunk_code!(settings, settings_code);
chunk_code!(access_log, access_log_code);
chunk_code!(verify, verify_code);

/// Waits for a route's code and `/config.json` together: its page is made once both are in, so
/// the page's sources can send their requests while it is built (views/loading.rs).
async fn code_and_config(
    state: Option<AppState>,
    code: Pin<Box<dyn Future<Output = Result<(), SplitLoaderError>>>>,
) -> Result<(), SplitLoaderError> {
    let config = async move {
        if let Some(state) = state {
            state.config_settled().await;
        }
    };
    futures_util::future::join(code, config).await.0
}

/// Declares a lazily loaded route: `$route` for `<Route view={Lazy::<$route>::new()}/>`, whose
/// view is `$page`, in chunk `$chunk`, which `$code` loads.
macro_rules! lazy_page {
    ($route:ident, $chunk:ident, $code:ident, $load:ident, $page:path) => {
        #[wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        #[allow(improper_ctypes_definitions)] // Rust on both sides of the split
        fn $load() -> Result<AnyView, SplitLoaderError> {
            use $page as Page;
            Ok(crate::shell::held_page::held_until_answered(view! { <Page/> }.into_any()))
        }

        pub struct $route(Option<AppState>);

        impl LazyRoute for $route {
            fn data() -> Self {
                $route(use_context::<AppState>())
            }

            async fn view(this: Self) -> AnyView {
                match code_and_config(this.0, Box::pin($code())).await {
                    Ok(()) => $load().await.unwrap_or_else(route_load_failed),
                    Err(e) => route_load_failed(e),
                }
            }
        }
    };
}

lazy_page!(IpSearchRoute, views, views_code, load_ip_search, crate::pages::ip_search::IpSearchPage);
lazy_page!(UserTimelineRoute, views, views_code, load_user_timeline, crate::pages::user_timeline::UserTimelinePage);
lazy_page!(
    IdentityEventsRoute,
    views,
    views_code,
    load_identity_events,
    crate::pages::identity_events::IdentityEventsPage
);
lazy_page!(SeverityRoute, views, views_code, load_severity, crate::pages::severity::SeverityPage);
lazy_page!(EventLookupRoute, views, views_code, load_event_lookup, crate::pages::event_lookup::EventLookupPage);
lazy_page!(SettingsRoute, settings, settings_code, load_settings, crate::pages::settings::SettingsPage);
lazy_page!(AccessLogRoute, access_log, access_log_code, load_access_log, crate::pages::access_log::AccessLogPage);
lazy_page!(SignalsRoute, views, views_code, load_signals, crate::pages::signals::SignalsPage);
lazy_page!(VerifyRoute, verify, verify_code, load_verify, crate::pages::verify::VerifyPage);

#[wasm_split(views, wasm_split_path = ::leptos::wasm_split, fallible)]
#[allow(improper_ctypes_definitions)] // Rust on both sides of the split
fn load_detail_panel() -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <DetailPanel/> }.into_any())
}

/// The event detail panel, fetched the first time an event is opened (`event=` in the URL) and
/// kept from then on.
#[component]
pub fn LazyDetailPanel() -> impl IntoView {
    let query = use_query_map();
    let ever_opened = Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false) || query.read().get(EVENT_PARAM).is_some_and(|id| !id.is_empty())
    });
    move || {
        ever_opened.get().then(|| {
            Suspend::new(async {
                load_detail_panel().await.unwrap_or_else(|error| {
                    view! {
                        <aside class="detail-panel" aria-label="Event detail">
                            <p class="error" role="alert">{load_failed_text("The event detail", &error)}</p>
                        </aside>
                    }
                    .into_any()
                })
            })
        })
    }
}
