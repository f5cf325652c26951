//! Auditdeck: a browser console for identity audit events.
//!
//! Pure modules (tested natively):
//! - `providers`: the vendor protocols (requests as data, parsing, errors, paging);
//! - `model`: the one event model, conversions, data-quality flags, NOTES.md's severity table;
//! - `routes`: URL ⇄ view state (`ViewState`), pivots, row filters;
//! - `rows`: what is made of loaded rows (times and counts as shown, histogram, timeline, export).
//!
//! Browser modules:
//! - `connection`: `/config.json`, settings and credentials, storage, app state, "Test connection";
//! - `net`: fetch with a deadline, loaders with cache and rate budget;
//! - `views`: the view in the URL lent by context, one section per source, each vendor's page;
//! - `components`, `pages`: the Leptos views;
//! - `shell`: the app shell and routes, the wasm split points, the panic report.

pub mod connection;
pub mod model;
pub mod net;
pub mod providers;
pub mod routes;
pub mod rows;

pub mod components;
pub mod pages;
pub mod shell;
pub mod views;
