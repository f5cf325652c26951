//! Browser end-to-end tests: the release build in headless Chromium against the gateway.
//! Run by `cargo xtask test` after the trunk build (`--features e2e`; custom harness).

mod accessibility;
mod chunks;
mod credentials;
mod detail;
mod export;
mod faults;
mod first_screen;
mod harness;
mod home;
mod hostile;
mod identity_events;
mod ip_search;
mod keyboard;
mod large;
mod live;
mod row_tools;
mod settings;
mod severity;
mod signals;
mod team;
mod user_timeline;
mod wire;

use std::process::ExitCode;

use harness::{Rig, Scenario};

const SCENARIOS: &[(&str, Scenario)] = &[
    ("chunks_home_loads_no_route_code", |r, c| {
        Box::pin(chunks::home_loads_no_route_code_and_a_route_fetches_its_own(r, c))
    }),
    ("chunks_a_link_fetches_its_code_and_config_once_each", |r, c| {
        Box::pin(chunks::a_link_fetches_its_code_and_config_once_each(r, c))
    }),
    ("chunks_a_link_whose_early_fetches_fail_fetches_them_again", |r, c| {
        Box::pin(chunks::a_link_whose_early_fetches_fail_fetches_them_again(r, c))
    }),
    ("chunks_unloadable_route_says_so_and_retry_works", |r, c| {
        Box::pin(chunks::a_route_whose_code_cannot_load_says_so_and_retry_works(r, c))
    }),
    ("detail_row_opens_panel_and_permalink_reopens_it", |r, c| {
        Box::pin(detail::row_opens_detail_and_permalink_reopens_it(r, c))
    }),
    ("detail_events_api_looks_an_event_up", |r, c| Box::pin(detail::events_api_looks_an_event_up_by_id(r, c))),
    ("row_tools_histogram_bar_narrows_the_range", |r, c| {
        Box::pin(row_tools::histogram_bar_narrows_the_time_range(r, c))
    }),
    ("row_tools_facets_keep_and_drop_values", |r, c| Box::pin(row_tools::facets_keep_and_drop_values(r, c))),
    ("keyboard_shortcuts_move_through_rows", |r, c| {
        Box::pin(keyboard::shortcuts_move_through_rows_and_open_them(r, c))
    }),
    ("keyboard_theme_switch_kept_across_reloads", |r, c| Box::pin(keyboard::theme_switch_is_kept_across_reloads(r, c))),
    ("large_load_more_to_5000_then_sort_and_search", |r, c| {
        Box::pin(large::load_more_to_5000_then_sort_and_search(r, c))
    }),
    ("large_idme_load_more_appends_numbered_pages", |r, c| {
        Box::pin(large::idme_load_more_appends_numbered_pages(r, c))
    }),
    ("export_filtered_csv_neutralised_and_verified", |r, c| {
        Box::pin(export::filtered_export_is_neutralised_and_verifies(r, c))
    }),
    ("deep_link_shows_page_2", |r, c| Box::pin(ip_search::deep_link_shows_page_2(r, c))),
    ("next_link_goes_to_page_3", |r, c| Box::pin(ip_search::next_link_goes_to_page_3(r, c))),
    ("invalid_ip_sends_no_request", |r, c| Box::pin(ip_search::invalid_ip_sends_no_request(r, c))),
    ("wrong_secret_shows_403_122", |r, c| Box::pin(ip_search::wrong_secret_shows_403_122(r, c))),
    ("document_sample_renders_decoded_application", |r, c| {
        Box::pin(ip_search::document_sample_renders_decoded_application(r, c))
    }),
    ("local_time_of_a_winter_record", |r, c| Box::pin(ip_search::local_time_of_a_winter_record(r, c))),
    ("home_search_and_page_past_the_end", |r, c| Box::pin(ip_search::home_search_and_page_past_the_end(r, c))),
    ("leaving_the_page_aborts_the_request_in_flight", |r, c| {
        Box::pin(ip_search::leaving_the_page_aborts_the_request_in_flight(r, c))
    }),
    ("settings_every_provider_connects", |r, c| {
        Box::pin(settings::every_provider_connects_and_a_wrong_key_shows_the_vendor_message(r, c))
    }),
    ("severity_deep_link_chip_back_and_reload", |r, c| Box::pin(severity::deep_link_chip_back_and_reload(r, c))),
    ("severity_pivots_to_type_ip_and_user", |r, c| Box::pin(severity::pivots_lead_to_type_ip_and_user_views(r, c))),
    ("severity_prefix_must_end_with_a_dot", |r, c| Box::pin(severity::prefix_must_end_with_a_dot_before_sending(r, c))),
    ("severity_429_counts_down_then_shows_rows", |r, c| {
        Box::pin(severity::a_429_counts_down_then_shows_the_rows(r, c))
    }),
    ("severity_cursor_walk_under_both_readings", |r, c| {
        Box::pin(severity::cursor_walk_older_and_back_under_both_readings(r, c))
    }),
    ("severity_repeated_429s_end_in_an_error_and_retry_works", |r, c| {
        Box::pin(severity::repeated_429s_end_in_an_error_and_retry_works(r, c))
    }),
    ("identity_events_tie_walk_every_event_once", |r, c| {
        Box::pin(identity_events::walking_back_through_ties_shows_every_event_once(r, c))
    }),
    ("identity_events_type_filter_back_and_pivot", |r, c| {
        Box::pin(identity_events::type_filter_changes_rows_and_back_restores_them(r, c))
    }),
    ("identity_events_contract_breakers_flagged", |r, c| {
        Box::pin(identity_events::contract_breakers_name_the_missing_field(r, c))
    }),
    ("user_timeline_merges_by_day_and_reloads", |r, c| {
        Box::pin(user_timeline::timeline_merges_sources_by_day_and_reloads_the_same(r, c))
    }),
    ("user_timeline_sources_and_table_in_url", |r, c| {
        Box::pin(user_timeline::source_switch_and_table_toggle_live_in_the_url(r, c))
    }),
    ("user_timeline_invalid_uuid_sends_nothing", |r, c| {
        Box::pin(user_timeline::invalid_uuid_is_refused_before_any_request(r, c))
    }),
    ("ip_search_iden_source_switch_and_back", |r, c| {
        Box::pin(ip_search::iden_source_switch_adds_actor_ip_rows_and_back_removes_them(r, c))
    }),
    ("severity_derived_sources_where_expressible", |r, c| {
        Box::pin(severity::derived_sources_join_where_their_api_can_filter(r, c))
    }),
    ("identity_events_presets_and_500_rows", |r, c| {
        Box::pin(identity_events::presets_write_an_absolute_range_and_500_rows_render(r, c))
    }),
    ("export_whole_query_holds_every_page", |r, c| Box::pin(export::whole_query_export_holds_every_page(r, c))),
    ("user_timeline_load_more_to_every_source_end", |r, c| {
        Box::pin(user_timeline::load_more_brings_every_source_to_its_end(r, c))
    }),
    ("credentials_typed_secret_goes_nowhere_else", |r, c| {
        Box::pin(credentials::a_typed_secret_stays_out_of_urls_storage_console_and_exports(r, c))
    }),
    ("faults_every_fault_is_named_and_retry_recovers", |r, c| {
        Box::pin(faults::every_fault_is_named_and_retry_recovers(r, c))
    }),
    ("hostile_strings_render_as_text_and_the_layout_holds", |r, c| {
        Box::pin(hostile::hostile_strings_render_as_text_and_the_layout_holds(r, c))
    }),
    ("hostile_strings_in_the_timeline_render_as_text", |r, c| {
        Box::pin(hostile::hostile_strings_in_the_timeline_render_as_text(r, c))
    }),
    ("accessibility_axe_on_every_route_light_and_dark", |r, c| {
        Box::pin(accessibility::axe_finds_no_serious_violation_on_any_route(r, c))
    }),
    ("accessibility_keyboard_only_search_to_export", |r, c| {
        Box::pin(accessibility::keyboard_only_search_results_detail_export(r, c))
    }),
    ("home_routes_searches_and_remembers_them", |r, c| {
        Box::pin(home::search_box_routes_uuid_type_and_severity_and_remembers(r, c))
    }),
    ("wire_idme_search_multipart_fields_and_header", |r, c| {
        Box::pin(wire::idme_search_is_multipart_with_the_documented_fields_and_header(r, c))
    }),
    ("wire_standfast_bearer_and_parameters", |r, c| {
        Box::pin(wire::standfast_sends_bearer_and_the_documented_parameters(r, c))
    }),
    ("wire_iden_api_key_and_filters", |r, c| Box::pin(wire::iden_sends_api_key_and_the_documented_filters(r, c))),
    ("team_sign_in_keeps_the_ticket_link", |r, c| Box::pin(team::sign_in_keeps_the_ticket_link(r, c))),
    ("team_user_outside_the_group_is_not_allowed", |r, c| {
        Box::pin(team::a_user_outside_the_group_is_not_allowed(r, c))
    }),
    ("team_sign_out_ends_the_session", |r, c| Box::pin(team::sign_out_ends_the_session(r, c))),
    ("team_signed_export_verifies_and_edits_fail", |r, c| {
        Box::pin(team::a_signed_export_verifies_and_edits_fail(r, c))
    }),
    ("team_access_log_view_shows_who_did_what", |r, c| Box::pin(team::the_access_log_view_shows_who_did_what(r, c))),
    ("team_two_sessions_share_one_iden_budget", |r, c| Box::pin(team::two_sessions_share_one_iden_budget(r, c))),
    ("team_expired_session_signs_in_again_to_the_same_link", |r, c| {
        Box::pin(team::an_expired_session_signs_in_again_to_the_same_link(r, c))
    }),
    // Last: they add events to the shared sandbox.
    ("live_tail_iden_without_first_page_previous_cursor", |r, c| {
        Box::pin(live::iden_live_tail_without_a_first_page_previous_cursor(r, c))
    }),
    ("live_tail_iden_with_first_page_previous_cursor", |r, c| {
        Box::pin(live::iden_live_tail_with_a_first_page_previous_cursor(r, c))
    }),
    ("signals_a_pushed_signal_appears_live", |r, c| {
        Box::pin(signals::a_pushed_signal_appears_live_without_reload(r, c))
    }),
    ("signals_lead_to_the_persons_timeline", |r, c| Box::pin(signals::a_signal_leads_to_the_persons_timeline(r, c))),
    ("signals_join_the_severity_view", |r, c| Box::pin(signals::signals_join_the_severity_view(r, c))),
    ("signals_export_like_the_other_views", |r, c| Box::pin(signals::signals_export_like_the_other_views(r, c))),
    ("signals_a_refused_set_never_shows", |r, c| Box::pin(signals::a_refused_set_never_shows(r, c))),
    ("signals_survive_a_gateway_restart", |r, c| Box::pin(signals::signals_survive_a_gateway_restart(r, c))),
    ("live_tail_standfast_shows_events_the_sandbox_adds", |r, c| {
        Box::pin(live::standfast_live_tail_shows_events_the_sandbox_adds(r, c))
    }),
    ("first_screen_first_row_in_view_at_1280_and_15_rows_at_1920", |r, c| {
        Box::pin(first_screen::first_row_shows_without_scrolling_at_1280_and_15_rows_at_1920(r, c))
    }),
    ("first_screen_access_log_rows_in_view", |r, c| {
        Box::pin(first_screen::the_access_log_shows_rows_on_the_first_screen(r, c))
    }),
    ("first_screen_folded_controls_stay_one_step_away", |r, c| {
        Box::pin(first_screen::folded_controls_stay_one_step_away(r, c))
    }),
    ("first_screen_placeholder_rows_until_the_first_page", |r, c| {
        Box::pin(first_screen::placeholder_rows_show_until_the_first_page_comes(r, c))
    }),
    ("first_screen_request_leaves_before_the_page_is_drawn", |r, c| {
        Box::pin(first_screen::a_links_request_leaves_before_its_page_is_drawn(r, c))
    }),
    ("first_screen_page_drawn_with_its_rows_or_after_a_moment", |r, c| {
        Box::pin(first_screen::a_links_page_is_drawn_with_its_rows_or_after_a_moment(r, c))
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
        team::stop();
        drop(rig);
        harness::remove_temporary_files();
        println!("\ne2e: {passed} passed, {failed} failed");
        if failed == 0 && passed > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    })
}
