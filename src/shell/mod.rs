//! The app shell: routes and header (`app`), what loads as a wasm chunk of its own (`lazy`), and
//! the panic report.

pub mod app;
pub mod lazy;
pub mod panic_report;
