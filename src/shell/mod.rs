//! The app shell: routes and header (`app`), what loads as a wasm chunk of its own (`lazy`), a
//! route's page held until its first answers (`held_page`), and the panic report.

pub mod app;
pub mod held_page;
pub mod lazy;
pub mod panic_report;
