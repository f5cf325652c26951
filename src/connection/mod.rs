//! Which vendor connection a view uses and with what credential: `/config.json` (`config`), the
//! user's settings and how they resolve (`settings`), where they are kept (`storage`), the JSON
//! both are read and kept as (`json`), the app state that holds them (`state`) and "Test
//! connection" (`probe`).

pub mod config;
pub mod export_signing;
pub mod gateway;
pub mod json;
pub mod probe;
pub mod settings;
pub mod state;
pub mod storage;
