//! One module per route.

pub mod access_log;
pub mod event_lookup;
pub mod home;
pub mod identity_events;
pub mod ip_search;
pub mod not_found;
pub mod settings;
pub mod severity;
pub mod signals;
pub mod timeline_more;
pub mod user_sources;
pub mod user_timeline;
pub mod verify;
