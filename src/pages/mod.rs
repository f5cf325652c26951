//! One module per route.

pub mod home;
pub mod ip_search;
pub mod not_found;
pub mod settings;
