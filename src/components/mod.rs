//! Reusable view pieces. No protocol knowledge: they render rows, errors and pagers.

pub mod connection_indicator;
pub mod error_box;
pub mod events_table;
pub mod pager;
pub mod search_form;
pub mod toggle;
