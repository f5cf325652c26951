//! One data set for all three sandboxes: a person or an IP can be followed across sources.

mod common;

use std::collections::HashSet;

use auditdeck_sandbox::dataset::HOT_IPS;

#[test]
fn people_appear_in_all_three_sources() {
    let data = common::shared_data();
    let idme: HashSet<u32> = data.idme_events.iter().map(|e| e.person).collect();
    let standfast: HashSet<u32> = data.standfast.by_workspace.iter().flatten().map(|e| e.person).collect();
    let iden: HashSet<u32> = data.iden.iter().filter_map(|e| e.actor).collect();
    let everywhere = idme.iter().filter(|p| standfast.contains(p) && iden.contains(p)).count();
    assert!(everywhere >= 1_000, "{everywhere} people in all three sources");
    // The document's sample users are among them.
    assert!(idme.contains(&0) && standfast.contains(&0) && iden.contains(&0));
}

#[test]
fn addresses_appear_in_id_me_and_iden() {
    let data = common::shared_data();
    let idme: HashSet<u32> = data.idme_events.iter().map(|e| e.search_ip).collect();
    let iden: HashSet<u32> = data.iden.iter().filter_map(|e| e.actor_ip).collect();
    let shared = idme.intersection(&iden).count();
    assert!(shared >= 5_000, "{shared} addresses in both");
    assert!(!HOT_IPS.is_empty());
}
