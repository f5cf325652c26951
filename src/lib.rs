//! Auditdeck: a browser console for identity audit events.
//!
//! Pure modules (tested natively): `providers` (vendor protocols), `config`, `settings`,
//! `routes` (URL ⇄ view state), `model` (the one event model, conversions, data-quality
//! flags, severity table), `format` (times, counts).
//! Browser modules: `http` (fetch), `storage`, `state`, `components`, `pages`, `app`.

pub mod config;
pub mod format;
pub mod model;
pub mod providers;
pub mod routes;
pub mod settings;

pub mod app;
pub mod components;
pub mod connection_test;
pub mod http;
pub mod pages;
pub mod state;
pub mod storage;
