//! The built-in sandbox: faithful emulations of the vendor APIs on one deterministic data set.
//! One module per vendor, mirroring `src/providers/` in the app. The gateway mounts it under
//! `/sandbox` for `serve`; the tests use it in process (its data, profiles, request log).

pub mod dataset;
pub mod faults;
pub mod iden;
pub mod idme;
pub mod profile;
pub mod ssf;
pub mod standfast;
pub mod wire_log;

use std::sync::Arc;

use axum::Router;
use axum::middleware;

pub use dataset::Dataset;
use faults::Vendor;
pub use profile::{Profile, Profiles};
pub use wire_log::{WireLog, WireRequest};

/// How a sandbox answers, from the gateway's config.
#[derive(Debug, Clone, Copy)]
pub struct SandboxOptions {
    /// Iden requests a minute per key (the vendor's is 60; 0 turns the limit off).
    pub iden_rate_limit: u32,
    /// How the sandbox answers where the documents are silent, and whether it is strict.
    pub profile: Profile,
    /// Keep the requests received for tests to read (otherwise only count them).
    pub request_log: bool,
}

/// The sandbox's shared state: the data set (built once), the profile it answers by, and the
/// log of the requests it received, which tests read to check what the app sent (or that it
/// sent nothing).
#[derive(Clone)]
pub struct Sandbox {
    pub data: Arc<Dataset>,
    /// The Iden emulation: its store grows while the gateway runs.
    pub iden: iden::IdenSandbox,
    /// The Standfast emulation: its store grows too.
    pub standfast: standfast::StandfastSandbox,
    /// Faults armed for the vendors' next requests (tests, demos).
    pub faults: faults::Faults,
    /// How the sandbox answers where the documents are silent, and whether it is strict.
    pub profiles: Profiles,
    pub wire: WireLog,
    /// The Shared Signals transmitter (its routes are mounted by the gateway, outside the
    /// request log: its keys are fetched by the gateway, not by the app).
    pub ssf: ssf::Transmitter,
}

impl Sandbox {
    pub fn new(data: Arc<Dataset>, options: SandboxOptions) -> Self {
        let profiles = Profiles::new(options.profile);
        let iden = iden::IdenSandbox::new(data.clone(), options.iden_rate_limit, profiles.clone());
        let standfast = standfast::StandfastSandbox::new(data.clone(), profiles.clone());
        let wire = WireLog::new(options.request_log);
        let ssf = ssf::Transmitter::new(data.clone());
        Sandbox { data, iden, standfast, faults: faults::Faults::default(), profiles, wire, ssf }
    }

    /// Requests the sandbox has received since it started (all vendors).
    pub fn request_count(&self) -> u64 {
        self.wire.received()
    }

    /// Routes for every vendor, to be nested under `/sandbox`.
    pub fn router(&self) -> Router {
        let wire = self.wire.clone();
        Router::new()
            .nest("/idme", self.faults.wrap(Vendor::Idme, idme::router(self.data.clone(), self.profiles.clone())))
            .nest("/standfast", self.faults.wrap(Vendor::Standfast, self.standfast.router()))
            .nest("/iden", self.faults.wrap(Vendor::Iden, self.iden.router()))
            .layer(middleware::from_fn(move |request, next| wire.clone().record(request, next)))
    }
}
