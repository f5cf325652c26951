//! Auditdeck: a browser console for identity audit events.
//!
//! Pure modules (tested natively): `providers` (vendor protocols), `config`, `settings`,
//! `routes` (URL ⇄ view state, pivots), `rate` (request budget), `model` (the one event model, conversions, data-quality
//! flags, severity table), `format` (times, counts).
//! Browser modules: `http` (fetch, response deadline), `panic_report` (a panic shown on the page), `fetcher` (loaders, cache, rate limits), `storage`, `state`, `components`, `pages`, `lazy` (what loads as a wasm chunk of its own), `app`.

pub mod config;
pub mod export;
pub mod format;
pub mod histogram;
pub mod model;
pub mod providers;
pub mod rate;
pub mod routes;
pub mod settings;
pub mod timeline;

pub mod app;
pub mod components;
pub mod connection_test;
pub mod fetcher;
pub mod http;
pub mod lazy;
pub mod pages;
pub mod panic_report;
pub mod shown;
pub mod sources;
pub mod state;
pub mod storage;
pub mod views;
