//! What is made of loaded rows, as pure functions: times and counts as shown (`format`), events
//! over time (`histogram`), the user timeline's days and sessions (`timeline`), and exports with
//! their manifest (`export`).

pub mod export;
pub mod format;
pub mod histogram;
pub mod timeline;
