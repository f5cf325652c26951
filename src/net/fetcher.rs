//! Runs the views' vendor requests.
//!
//! - A [`Loader`] holds one request at a time: a new one (or leaving the view) aborts the old,
//!   whose answer is then ignored.
//! - Answers are cached per request (URL, body and a digest of the credential), so back and
//!   forward show rows at once and no cursor is asked for twice; "Refresh" bypasses the cache.
//! - A connection with a rate limit gets a [`RateBudget`]: requests wait for it (the view says
//!   so), and a 429 waits out its Retry-After with a countdown, then retries on its own.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;

use futures_util::future::{AbortHandle, Abortable};
use leptos::prelude::*;
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use crate::net::http::{FetchFailure, InFlight, send};
use crate::net::rate::RateBudget;
use crate::providers::{HttpRequest, HttpResponse, RequestBody, retry_after_secs};

/// Answers kept for back/forward (the oldest goes first), at most this many and this many bytes
/// of body: a "Load more" of 100,000 rows would otherwise keep every page's body beside its rows.
const CACHE_ENTRIES: usize = 120;
const CACHE_BYTES: usize = 4 << 20;
/// 429s waited out before the error is shown.
const MAX_RATE_LIMIT_RETRIES: u32 = 3;
/// When a 429 carries no Retry-After.
const DEFAULT_RETRY_AFTER_SECS: u64 = 60;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::default();
    static BUDGETS: RefCell<HashMap<String, RateBudget>> = RefCell::default();
}

/// Why a request is waiting, and until when (ms since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub until_ms: f64,
    pub reason: WaitReason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WaitReason {
    /// Our own budget (the vendor's documented limit) is spent for now.
    Budget { per_minute: usize },
    /// The vendor answered 429.
    RateLimited { vendor: &'static str, message: String },
}

/// A connection's rate limit: requests share the budget of `key` (one per connection).
#[derive(Debug, Clone)]
pub struct RatePolicy {
    pub key: String,
    pub vendor: &'static str,
    pub per_minute: usize,
    /// The vendor's message in a 429 body.
    pub message: fn(&HttpResponse) -> String,
}

/// What a job gets: the abort signal, where to say it waits, and whether to skip the cache.
#[derive(Clone)]
pub struct Ticket {
    signal: Option<AbortSignal>,
    waiting: RwSignal<Option<Wait>>,
    refresh: bool,
}

impl Ticket {
    fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }

    /// The same ticket, skipping the cache: for answers that change while a page is open (the
    /// gateway's signals), never for a vendor's page.
    pub fn fresh(&self) -> Ticket {
        Ticket { refresh: true, ..self.clone() }
    }
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

async fn sleep_ms(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                resolve.unchecked_ref(),
                ms.clamp(0.0, 3_600_000.0) as i32,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn cache_key(request: &HttpRequest) -> String {
    let mut hash = Sha256::new();
    hash.update(request.header("authorization").unwrap_or("").as_bytes());
    let credential = crate::rows::format::hex(&hash.finalize()[..8]);
    let body = match &request.body {
        RequestBody::None => String::new(),
        RequestBody::Multipart(fields) => fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"),
        RequestBody::Json(text) => text.clone(),
    };
    format!("{} {} {body} {credential}", request.method.as_str(), request.url)
}

#[derive(Default)]
struct Cache {
    answers: HashMap<String, HttpResponse>,
    /// Oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

impl Cache {
    fn insert(&mut self, key: String, response: &HttpResponse) {
        self.bytes += response.body.len();
        match self.answers.insert(key.clone(), response.clone()) {
            Some(old) => self.bytes -= old.body.len(),
            None => self.order.push_back(key),
        }
        // The newest answer stays, whatever its size.
        while self.order.len() > 1 && (self.order.len() > CACHE_ENTRIES || self.bytes > CACHE_BYTES) {
            if let Some(old) = self.order.pop_front().and_then(|k| self.answers.remove(&k)) {
                self.bytes -= old.body.len();
            }
        }
    }
}

fn store(key: String, response: &HttpResponse) {
    CACHE.with(|c| c.borrow_mut().insert(key, response));
}

fn with_budget<R>(policy: &RatePolicy, f: impl FnOnce(&mut RateBudget) -> R) -> R {
    BUDGETS.with(|b| {
        let mut budgets = b.borrow_mut();
        let budget = budgets.entry(policy.key.clone()).or_insert_with(|| RateBudget::new(policy.per_minute, 60_000.0));
        f(budget)
    })
}

/// Sends a request for a view: from the cache when it was answered before, within the rate
/// budget, waiting out 429s. Error statuses are returned as responses for the adapter to read.
/// Sends `request` (or takes its cached answer) and reads the answer with `read`. Only an answer
/// that reads is cached: after a garbled one, Retry and back/forward ask the vendor again.
pub async fn fetch<T>(
    request: &HttpRequest,
    ticket: &Ticket,
    rate: Option<&RatePolicy>,
    read: impl Fn(&HttpResponse) -> Result<T, crate::providers::ApiError>,
) -> Result<T, FetchFailure> {
    let key = cache_key(request);
    // A cached answer is read where it is kept, not copied: bodies run to hundreds of KB, and a
    // copy per navigation is a large block the allocator must find each time.
    if !ticket.refresh
        && let Some(value) = CACHE.with(|c| c.borrow().answers.get(&key).map(&read))
    {
        return value.map_err(FetchFailure::Failed);
    }
    let response = send_within_rate(request, ticket, rate).await?;
    let value = read(&response).map_err(FetchFailure::Failed)?;
    if response.is_success() {
        store(key, &response);
    }
    Ok(value)
}

/// Sends `request` within the connection's rate limit, waiting out 429s.
async fn send_within_rate(
    request: &HttpRequest,
    ticket: &Ticket,
    rate: Option<&RatePolicy>,
) -> Result<HttpResponse, FetchFailure> {
    let mut attempts = 0;
    loop {
        if let Some(policy) = rate {
            loop {
                let wait = with_budget(policy, |b| b.wait_ms(now_ms()));
                if wait <= 0.0 {
                    break;
                }
                if ticket.waiting.try_get_untracked().flatten().is_none() {
                    ticket.waiting.try_set(Some(Wait {
                        until_ms: now_ms() + wait,
                        reason: WaitReason::Budget { per_minute: policy.per_minute },
                    }));
                }
                sleep_ms(wait).await;
                if ticket.aborted() {
                    return Err(FetchFailure::Aborted);
                }
            }
            with_budget(policy, |b| b.spend(now_ms()));
        }
        ticket.waiting.try_set(None);
        let response = send(request, ticket.signal.clone()).await?;
        match rate {
            Some(policy) if response.status == 429 && attempts < MAX_RATE_LIMIT_RETRIES => {
                attempts += 1;
                let secs = retry_after_secs(response.retry_after.as_deref()).unwrap_or(DEFAULT_RETRY_AFTER_SECS);
                let until = now_ms() + secs as f64 * 1000.0;
                with_budget(policy, |b| b.block_until(until));
                ticket.waiting.try_set(Some(Wait {
                    until_ms: until,
                    reason: WaitReason::RateLimited { vendor: policy.vendor, message: (policy.message)(&response) },
                }));
            }
            _ => return Ok(response),
        }
    }
}

/// One view's request and what came of it.
pub struct Loader<T: Send + Sync + 'static> {
    /// The last answer that arrived (kept while the next one loads, so rows do not vanish).
    pub data: RwSignal<Option<T>>,
    pub loading: RwSignal<bool>,
    pub failure: RwSignal<Option<crate::providers::ApiError>>,
    pub waiting: RwSignal<Option<Wait>>,
    generation: StoredValue<u64>,
    in_flight: StoredValue<Option<Running>, LocalStorage>,
}

/// The request task a loader is running: dropping it (the view goes, or asks again) aborts the
/// request and ends the task, whatever it waits for, so no task outlives its view.
struct Running {
    _request: InFlight,
    task: AbortHandle,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<T: Send + Sync + 'static> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loader<T> {}

impl<T: Send + Sync + 'static> Loader<T> {
    /// A loader whose request is aborted when the view goes away.
    pub fn new() -> Self {
        let loader = Loader {
            data: RwSignal::new(None),
            loading: RwSignal::new(false),
            failure: RwSignal::new(None),
            waiting: RwSignal::new(None),
            generation: StoredValue::new(0),
            in_flight: StoredValue::new_local(None),
        };
        on_cleanup(move || {
            loader.generation.try_update_value(|g| *g += 1);
            loader.in_flight.try_update_value(|f| *f = None);
        });
        loader
    }

    /// Cancels the request in flight (its answer is ignored) and clears the status.
    pub fn stop(&self) {
        self.generation.update_value(|g| *g += 1);
        self.in_flight.set_value(None);
        self.loading.set(false);
        self.failure.set(None);
        self.waiting.set(None);
    }

    /// Forgets the rows too (the view no longer asks for this source).
    pub fn clear(&self) {
        self.stop();
        self.data.set(None);
    }

    /// Starts `job`, replacing (aborting) the one in flight.
    pub fn run<F, Fut>(&self, refresh: bool, job: F)
    where
        F: FnOnce(Ticket) -> Fut + 'static,
        Fut: Future<Output = Result<T, FetchFailure>> + 'static,
    {
        let guard = InFlight::new();
        let ticket = Ticket { signal: guard.signal(), waiting: self.waiting, refresh };
        let (task, registration) = AbortHandle::new_pair();
        self.in_flight.set_value(Some(Running { _request: guard, task }));
        self.generation.update_value(|g| *g += 1);
        let this = self.generation.get_value();
        self.loading.set(true);
        self.failure.set(None);
        self.waiting.set(None);
        let loader = *self;
        let work = async move {
            let outcome = job(ticket).await;
            if loader.generation.try_get_value() != Some(this) {
                return; // replaced, or the view is gone
            }
            loader.in_flight.set_value(None);
            loader.loading.set(false);
            loader.waiting.set(None);
            match outcome {
                Ok(value) => loader.data.set(Some(value)),
                Err(FetchFailure::Aborted) => {}
                Err(FetchFailure::Failed(e)) => loader.failure.set(Some(e)),
            }
        };
        spawn_now(Box::pin(async move {
            let _ = Abortable::new(work, registration).await;
        }));
    }
}

/// Runs `task` up to its first wait now, then as a spawned task: a request it sends goes out at
/// once, not in a microtask after the page being built is mounted.
pub fn spawn_now(mut task: std::pin::Pin<Box<dyn Future<Output = ()>>>) {
    // Polling again from the spawned task is harmless: each poll hands its own waker to what the
    // task waits for, and the last one is what gets woken.
    if task.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())).is_pending() {
        leptos::task::spawn_local(task);
    }
}

impl<T: Send + Sync + 'static> Default for Loader<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(bytes: usize) -> HttpResponse {
        HttpResponse { status: 200, content_type: None, retry_after: None, body: "x".repeat(bytes) }
    }

    #[test]
    fn the_cache_keeps_the_newest_answers_within_its_byte_budget() {
        let mut cache = Cache::default();
        for i in 0..5 {
            cache.insert(format!("k{i}"), &answer(CACHE_BYTES / 3));
        }
        assert_eq!(cache.order, ["k2", "k3", "k4"]);
        assert!(cache.answers.contains_key("k2") && !cache.answers.contains_key("k1"));
        cache.insert("k4".into(), &answer(10));
        assert_eq!((cache.order.len(), cache.bytes), (3, 2 * (CACHE_BYTES / 3) + 10), "an answer replaced");
        cache.insert("big".into(), &answer(2 * CACHE_BYTES));
        assert_eq!(cache.order, ["big"], "the newest stays, whatever its size");
        assert_eq!(cache.answers.len(), 1);
    }
}
