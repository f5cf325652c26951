//! Browser end-to-end tests: the release build in headless Chromium against the gateway.
//! Run by `cargo xtask test` after the trunk build (`--features e2e`; custom harness).

mod harness;
mod ip_search;
mod settings;

use std::process::ExitCode;

use harness::{Rig, Scenario};

const SCENARIOS: &[(&str, Scenario)] = &[
    ("deep_link_shows_page_2", |r, c| Box::pin(ip_search::deep_link_shows_page_2(r, c))),
    ("next_link_goes_to_page_3", |r, c| Box::pin(ip_search::next_link_goes_to_page_3(r, c))),
    ("invalid_ip_sends_no_request", |r, c| Box::pin(ip_search::invalid_ip_sends_no_request(r, c))),
    ("wrong_secret_shows_403_122", |r, c| Box::pin(ip_search::wrong_secret_shows_403_122(r, c))),
    ("document_sample_renders_decoded_application", |r, c| {
        Box::pin(ip_search::document_sample_renders_decoded_application(r, c))
    }),
    ("home_search_and_page_past_the_end", |r, c| Box::pin(ip_search::home_search_and_page_past_the_end(r, c))),
    ("leaving_the_page_aborts_the_request_in_flight", |r, c| {
        Box::pin(ip_search::leaving_the_page_aborts_the_request_in_flight(r, c))
    }),
    ("settings_every_provider_connects", |r, c| {
        Box::pin(settings::every_provider_connects_and_a_wrong_key_shows_the_vendor_message(r, c))
    }),
];

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("e2e: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
        let rig = match Rig::start().await {
            Ok(rig) => rig,
            Err(e) => {
                eprintln!("e2e: cannot set up: {e}");
                return ExitCode::FAILURE;
            }
        };
        let (mut passed, mut failed) = (0, 0);
        for (name, scenario) in SCENARIOS {
            if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                continue;
            }
            match rig.run(name, *scenario).await {
                Ok(()) => {
                    passed += 1;
                    println!("test {name} ... ok");
                }
                Err(e) => {
                    failed += 1;
                    println!("test {name} ... FAILED\n    {e}");
                }
            }
        }
        println!("\ne2e: {passed} passed, {failed} failed");
        if failed == 0 && passed > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    })
}
