//! The built-in sandbox: faithful emulations of the vendor APIs on one deterministic data set.
//! One module per vendor, mirroring `src/providers/` in the app.

pub mod dataset;
pub mod faults;
pub mod iden;
pub mod idme;
pub mod standfast;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;

pub use dataset::Dataset;
use faults::Vendor;

/// The sandbox's shared state: the data set (built once) and a count of the requests it
/// answered, which tests read to prove that the app sent none.
#[derive(Clone)]
pub struct Sandbox {
    pub data: Arc<Dataset>,
    /// The Iden emulation: its store grows while the gateway runs.
    pub iden: iden::IdenSandbox,
    /// The Standfast emulation: its store grows too.
    pub standfast: standfast::StandfastSandbox,
    /// Faults armed for the vendors' next requests (tests, demos).
    pub faults: faults::Faults,
    requests: Arc<AtomicU64>,
}

impl Sandbox {
    /// `iden_rate_limit`: Iden requests a minute per key (the vendor's is 60; 0 turns it off).
    pub fn new(data: Arc<Dataset>, iden_rate_limit: u32) -> Self {
        let iden = iden::IdenSandbox::new(data.clone(), iden_rate_limit);
        let standfast = standfast::StandfastSandbox::new(data.clone());
        Sandbox { data, iden, standfast, faults: faults::Faults::default(), requests: Arc::new(AtomicU64::new(0)) }
    }

    /// Requests the sandbox has received since it started (all vendors).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Routes for every vendor, to be nested under `/sandbox`.
    pub fn router(&self) -> Router {
        let requests = self.requests.clone();
        Router::new()
            .nest("/idme", self.faults.wrap(Vendor::Idme, idme::router(self.data.clone())))
            .nest("/standfast", self.faults.wrap(Vendor::Standfast, self.standfast.router()))
            .nest("/iden", self.faults.wrap(Vendor::Iden, self.iden.router()))
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                let requests = requests.clone();
                async move {
                    requests.fetch_add(1, Ordering::SeqCst);
                    let response: Response = next.run(request).await;
                    response
                }
            }))
    }
}
