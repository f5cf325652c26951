//! URL ⇄ view state, as pure functions: every filter, page, cursor and display choice lives in
//! the URL, so a pasted link reopens the same view. No credential ever goes into a URL.
//!
//! Each view has a struct with `from_query` (what the URL says, or why it cannot be read) and
//! `href` (the URL for that state, default values left out).

pub mod access;
pub mod home;
pub mod identity;
pub mod ip;
pub mod permalink;
pub mod pivot;
pub mod query;
pub mod row_filter;
pub mod row_order;
pub mod severity;
pub mod signals;
pub mod user;
pub mod view;

pub use ip::*;
