//! Standfast identity events for the sandbox, drawn from the shared people (a person is a
//! Standfast contact; the contact UUID is the person's UUID in dashed form).
//!
//! Events come in conversations (verification calls). Many events share one `occurredAt`
//! (second precision, as the document's sample): a conversation's closing events are written in
//! one instant, and batch replays write up to a few hundred events at the same second. This
//! makes NOTES.md's tie problem real: a page often ends inside such a group.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::dataset::{Person, SEED, random_uuid};

pub const EVENT_TYPES: [&str; 14] = [
    "factor_added",
    "factor_failed",
    "kbv_question_asked",
    "kbv_question_passed",
    "kbv_question_failed",
    "identity_locked_per_call",
    "identity_locked_per_24h",
    "ani_blocked",
    "assurance_level_reached",
    "verification_not_configured",
    "verification_agent_context_used",
    "scope_set",
    "risk_signal_raised",
    "risk_signal_resolved",
];

/// Index into EVENT_TYPES, by name (panics only on a typo in this file's own tables).
pub fn kind(name: &str) -> u8 {
    EVENT_TYPES.iter().position(|t| *t == name).map(|p| p as u8).unwrap_or_else(|| panic!("unknown type {name}"))
}

/// The sandbox's workspaces (fixed UUIDs) and their retention in months.
pub const WORKSPACES: [(&str, u32); 4] = [
    ("6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10", 24),
    ("a3e5b7c9-1d2f-4e6a-8b0c-2d4f6a8c0e12", 12),
    ("0b9d7f5e-3c1a-4f8e-9d6b-4a2c0e8f6d14", 84),
    ("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b16", 3),
];
pub const TENANT_ID: &str = "2c8e4a6f-0b1d-4e3c-9a5f-7d1b3e5c7a90";

/// 2025-01-01T00:00:00Z .. 2026-11-01T00:00:00Z (seconds).
const SPAN_START_S: i64 = 1_735_689_600;
const SPAN_END_S: i64 = 1_793_491_200;
const CONVERSATIONS: usize = 24_000;
/// Batch replays: instants at which many events of many conversations are written at once.
const BATCHES: usize = 24;

/// One Standfast event, compact; `render` in the API module turns it into wire JSON.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub id: u128,
    pub conversation: u128,
    pub workspace: u8,
    /// Index into the people: the contact the event concerns (bound or not).
    pub person: u32,
    pub occurred_s: i64,
    /// createdAt − occurredAt in milliseconds (a few ms; far off for the clock quirk).
    pub created_delta_ms: i32,
    pub kind: u8,
    /// Picks among the type's variants (factor type, tool name, signal name, …).
    pub variant: u16,
    /// Risk signal weight in thousandths.
    pub weight_milli: u16,
    /// This event leaves out a field its type requires (the dashboard's contract flag).
    pub breaks_contract: bool,
}

pub struct StandfastData {
    /// Per workspace: events newest first by occurredAt, then id (both descending).
    pub by_workspace: Vec<Vec<Event>>,
}

/// Conversation scripts: the event types of one verification call, in order.
const SCRIPTS: [&[&str]; 8] = [
    &[
        "kbv_question_asked",
        "kbv_question_passed",
        "kbv_question_asked",
        "kbv_question_passed",
        "factor_added",
        "assurance_level_reached",
        "scope_set",
    ],
    &["kbv_question_asked", "kbv_question_failed", "kbv_question_asked", "kbv_question_passed", "factor_added"],
    &[
        "kbv_question_asked",
        "kbv_question_failed",
        "kbv_question_asked",
        "kbv_question_failed",
        "kbv_question_asked",
        "kbv_question_failed",
        "identity_locked_per_call",
    ],
    &["factor_failed", "factor_failed", "factor_failed", "identity_locked_per_24h"],
    &["risk_signal_raised", "ani_blocked"],
    &["risk_signal_raised", "factor_added", "risk_signal_resolved", "assurance_level_reached"],
    &["verification_not_configured"],
    &["verification_agent_context_used", "factor_added", "scope_set"],
];

pub fn generate(people: &[Person]) -> StandfastData {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0x5354_414E_4446_4153); // "STANDFAS"
    let scripts: Vec<Vec<u8>> = SCRIPTS.iter().map(|s| s.iter().map(|n| kind(n)).collect()).collect();
    let batch_instants: Vec<i64> = (0..BATCHES).map(|_| rng.random_range(SPAN_START_S..SPAN_END_S)).collect();
    let mut by_workspace: Vec<Vec<Event>> = vec![Vec::new(); WORKSPACES.len()];

    for _ in 0..CONVERSATIONS {
        let person = rng.random_range(0..people.len()) as u32;
        let workspace = (person as usize % WORKSPACES.len()) as u8;
        let conversation = random_uuid(&mut rng);
        let script = &scripts[rng.random_range(0..scripts.len())];
        // One conversation in 40 belongs to a batch replay: all its events at the batch instant.
        let batch = (rng.random_range(0..40) == 0).then(|| batch_instants[rng.random_range(0..BATCHES)]);
        // One in four closes with its last few events written in the same second.
        let closing_tie = rng.random_range(0..4) == 0;
        let mut at = rng.random_range(SPAN_START_S..SPAN_END_S);
        let repeats = rng.random_range(1..4); // a contact often calls back in the same session
        for round in 0..repeats {
            for (i, &k) in script.iter().enumerate() {
                let same_second = closing_tie && i + 3 >= script.len() && i > 0;
                if !same_second {
                    at += rng.random_range(1..40);
                }
                let occurred_s = batch.unwrap_or(at);
                let clock_quirk = rng.random_range(0..500) == 0;
                let event = Event {
                    id: random_uuid(&mut rng),
                    conversation,
                    workspace,
                    person,
                    occurred_s,
                    created_delta_ms: if clock_quirk {
                        rng.random_range(120_000..7_200_000)
                    } else {
                        rng.random_range(0..9)
                    },
                    kind: k,
                    variant: rng.random(),
                    weight_milli: rng.random_range(50..1000),
                    breaks_contract: rng.random_range(0..400) == 0,
                };
                by_workspace[workspace as usize].push(event);
            }
            at += rng.random_range(60..3_600) * (round as i64 + 1);
        }
    }
    for events in &mut by_workspace {
        events.sort_by(|a, b| b.occurred_s.cmp(&a.occurred_s).then(b.id.cmp(&a.id)));
    }
    StandfastData { by_workspace }
}

impl StandfastData {
    pub fn workspace_index(&self, id: &str) -> Option<usize> {
        WORKSPACES.iter().position(|(w, _)| w.eq_ignore_ascii_case(id))
    }

    pub fn len(&self) -> usize {
        self.by_workspace.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
