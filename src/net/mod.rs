//! Talking to the vendors from the browser: `http` sends one request (abortable, with the
//! response deadline), `fetcher` runs the views' requests (loaders, cache, rate limits), `rate`
//! is the request budget (pure).

pub mod fetcher;
pub mod http;
pub mod rate;
