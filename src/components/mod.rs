//! Reusable view pieces. No protocol knowledge: they render rows, errors, pagers and controls.

pub mod connection_indicator;
pub mod cursor_pager;
pub mod detail_panel;
pub mod error_box;
pub mod event_detail;
pub mod events_table;
pub mod export_tools;
pub mod filter_fields;
pub mod first_frame;
pub mod folded_form;
pub mod html_rows;
pub mod live_tail;
pub mod load_more;
pub mod load_status;
pub mod pager;
pub mod row_tools;
pub mod search_form;
pub mod shortcuts;
pub mod signed_in;
pub mod standfast_table;
pub mod theme;
pub mod toggle;
pub mod view_controls;
pub mod virtual_rows;
