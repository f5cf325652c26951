//! The sandbox's deterministic data set: people, their IP addresses, and their ID.me events.
//!
//! Every vendor sandbox draws from the same seeded population so that one user or one IP can be
//! followed across sources. Events are stored compactly (indices into small tables) and turned
//! into wire JSON only for the page being served; the per-IP and per-user indexes are built once,
//! already newest first, so a page query is a slice, never a scan.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Changing the seed changes every generated value; tests pin facts about the data, not the seed.
pub const SEED: u64 = 0x0A0D_17DE_C202_6001;

const USER_COUNT: usize = 6_000;
const IP_POOL_SIZE: usize = 24_000;
/// 2018-01-01T00:00:00Z .. 2026-11-01T00:00:00Z: fixed, so the data never depends on "now".
const SPAN_START_MS: i64 = 1_514_764_800_000;
const SPAN_END_MS: i64 = 1_793_491_200_000;

/// The 62 event types of the ID.me document, in its order (without the stray "Event Types").
pub const IDME_EVENT_TYPES: [&str; 62] = [
    "2fa.complete",
    "2fa.delivery",
    "2fa.download",
    "2fa.initiate",
    "2fa.options",
    "2fa.recovery.complete",
    "2fa.recovery.confirm",
    "2fa.recovery.delivery",
    "2fa.recovery.failure",
    "2fa.response",
    "2fa.revoke",
    "account.agreement",
    "account.lockout.delivery",
    "account.password.change",
    "account.password.complete",
    "account.password.delivery",
    "account.password.failure",
    "account.password.response",
    "appointment.continue",
    "appointment.options",
    "appointment.schedule",
    "appointment.start",
    "appointment.view",
    "consent.allow",
    "consent.deny",
    "consent.revoke",
    "email.account.confirm",
    "email.account.delivery",
    "email.confirmation.complete",
    "email.confirmation.delivery",
    "email.create",
    "email.primary",
    "email.remove",
    "email.wallet.change",
    "email.wallet.confirm",
    "federation.confirmation.complete",
    "federation.confirmation.delivery",
    "federation.connect",
    "federation.remove",
    "session.failed",
    "session.limited",
    "session.lockout.applied",
    "session.lockout.expired",
    "session.revoked",
    "session.signin",
    "session.signout",
    "session.signup",
    "session.suspended",
    "session.timeout",
    "status.lockout.applied",
    "status.lockout.removed",
    "status.purge.applied",
    "status.revocation.applied",
    "status.revocation.removed",
    "status.revocation.requested",
    "status.suspension.applied",
    "status.suspension.removed",
    "transaction.complete",
    "verification.complete",
    "verification.initiate",
    "verification.options",
    "verification.progress",
];

/// Application names as the document's samples print them, plus a few more of the same kind.
pub const APPLICATIONS: [&str; 12] = [
    "SSOe SAML Consumer (SQA)",
    "SSOe SAML Consumer (INT)",
    "SSOe SAML Consumer (PINT)",
    "SSOe SAML Consumer (UAT)",
    "VA.gov SAML Consumer (Staging)",
    "VA.gov SAML Consumer (Local)",
    "your VA application",
    "IRS Online Account",
    "SSA my Social Security",
    "State Unemployment Portal",
    "Veterans Benefits Portal",
    "Federal Student Aid",
];

/// (platform, name, version), as the samples send them.
pub const BROWSERS: [(&str, &str, &str); 12] = [
    ("Windows", "Internet Explorer", "11"),
    ("Windows", "Chrome", "75"),
    ("Windows", "Chrome", "76"),
    ("Macintosh", "Chrome", "76"),
    ("Generic Linux", "Chrome", "72"),
    ("Generic Linux", "Chrome", "76"),
    ("Generic Linux", "Chrome", "78"),
    ("Macintosh", "Safari", "12"),
    ("iOS", "Mobile Safari", "12"),
    ("Android", "Chrome Mobile", "76"),
    ("Windows", "Firefox", "68"),
    ("Windows", "Edge", "18"),
];

/// The IPs the document's samples search for or show: the busiest addresses of the data set
/// (shared gateways), each with its share of all sessions.
pub const HOT_IPS: [(&str, f64); 6] = [
    ("152.133.18.33", 0.12),
    ("152.130.15.30", 0.08),
    ("104.57.85.214", 0.05),
    ("152.132.8.203", 0.03),
    ("67.21.32.35", 0.02),
    ("152.130.6.77", 0.01),
];

/// The user UUIDs of the document's samples come first, so the samples' requests find data.
pub const SAMPLE_USER_UUIDS: [&str; 3] =
    ["ac28b80d7ac14b0db51b5bef6281f3c2", "33d420b36d2c43e88d7f57540bd5015a", "87c7dff7c6c54b51b777492c25710f4b"];

/// Fixed UTC offsets (minutes) people's events carry, weighted towards the document's -04:00.
const OFFSETS_MIN: [i16; 8] = [-240, -240, -240, -300, -300, -360, -420, 0];

/// Quirks of the document's samples, reproduced at a small rate (bit flags on an event).
pub mod quirk {
    /// `application` is base64 of ipaddress + name, with a trailing newline (search sample 1).
    pub const BASE64_APPLICATION: u8 = 1;
    /// `updated_at` is four hours before `tracked_at` (user sample 2).
    pub const UPDATED_BEFORE_TRACKED: u8 = 2;
    /// `tracked_at` is out of the newest-first order the rows are served in (search sample 3).
    pub const OUT_OF_ORDER: u8 = 4;
    /// `ipaddress` differs from the IP the event is indexed (and searched) under (sample 3).
    pub const OTHER_IPADDRESS: u8 = 8;
}

/// A random UUID with version 4 / variant 1 bits, so ids look like the UUIDs they stand for.
pub fn random_uuid(rng: &mut impl Rng) -> u128 {
    (rng.random::<u128>() & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
}

/// `8-4-4-4-12` lowercase hex, the form Standfast and Iden send.
pub fn format_uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A UUID typed or sent dashed or as 32 hex digits, any case; None for anything else.
pub fn parse_uuid(text: &str) -> Option<u128> {
    let hex: String = text.trim().chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| u128::from_str_radix(&hex, 16).ok())?
}

/// One person of the sandbox.
#[derive(Debug, Clone)]
pub struct Person {
    /// 32 lowercase hex digits, as the document's samples write user UUIDs.
    pub uuid: String,
    /// `uuid` as a number, read once: filters compare it for every event they scan.
    uuid_number: u128,
    pub home_ips: Vec<u32>,
    pub offset_min: i16,
    pub application: u16,
    pub browsers: [u16; 2],
}

impl Person {
    /// The person's UUID as a number: their Standfast contact and Iden user id.
    pub fn uuid_value(&self) -> u128 {
        self.uuid_number
    }
}

/// One ID.me audit event, compact. Indices point into the data set's tables.
#[derive(Debug, Clone, Copy)]
pub struct IdmeEvent {
    pub kind: u8,
    pub person: u32,
    /// The IP the event is indexed under (what a search by IP matches).
    pub search_ip: u32,
    /// The IP the record reports in `ipaddress` (differs from `search_ip` for the quirk).
    pub reported_ip: u32,
    pub application: u16,
    pub browser: u16,
    /// Position in newest-first order (ms since the epoch).
    pub order_at_ms: i64,
    /// What `tracked_at` shows: `order_at_ms` except for out-of-order rows.
    pub tracked_at_ms: i64,
    /// What `updated_at` shows.
    pub updated_at_ms: i64,
    pub offset_min: i16,
    pub quirks: u8,
}

pub struct Dataset {
    pub people: Vec<Person>,
    pub ips: Vec<IpAddr>,
    /// All ID.me events, newest first by `order_at_ms`.
    pub idme_events: Vec<IdmeEvent>,
    ip_lookup: HashMap<IpAddr, u32>,
    person_lookup: HashMap<String, u32>,
    /// Per IP index: event indices, newest first.
    idme_by_ip: HashMap<u32, Vec<u32>>,
    /// Per person: event indices, newest first.
    idme_by_person: Vec<Vec<u32>>,
    /// Standfast identity events of the same people.
    pub standfast: super::standfast::data::StandfastData,
    /// Iden events of the same people and IPs, oldest first (each sandbox adds live events to a copy).
    pub iden: Vec<super::iden::data::Event>,
}

/// A session template: a plausible run of event types (indices into IDME_EVENT_TYPES by name).
const SESSION_TEMPLATES: [&[&str]; 9] = [
    &[
        "session.signin",
        "2fa.initiate",
        "2fa.options",
        "2fa.delivery",
        "2fa.response",
        "2fa.complete",
        "transaction.complete",
        "session.signout",
    ],
    &["session.signin", "2fa.initiate", "2fa.delivery", "2fa.complete", "session.timeout"],
    &[
        "session.signup",
        "email.create",
        "email.confirmation.delivery",
        "email.confirmation.complete",
        "account.agreement",
        "verification.initiate",
        "verification.options",
        "verification.progress",
        "verification.complete",
        "consent.allow",
    ],
    &["session.failed", "session.failed", "session.failed", "session.lockout.applied", "account.lockout.delivery"],
    &["account.password.delivery", "account.password.response", "account.password.change", "account.password.complete"],
    &[
        "session.signin",
        "2fa.initiate",
        "2fa.recovery.delivery",
        "2fa.recovery.confirm",
        "2fa.recovery.complete",
        "2fa.download",
    ],
    &["session.signin", "appointment.start", "appointment.options", "appointment.schedule", "appointment.view"],
    &["session.signin", "federation.connect", "federation.confirmation.delivery", "federation.confirmation.complete"],
    &["session.signin", "email.account.delivery", "email.account.confirm", "email.primary"],
];

fn kind_of(name: &str) -> u8 {
    IDME_EVENT_TYPES
        .iter()
        .position(|t| *t == name)
        .map(|p| p as u8)
        .unwrap_or_else(|| panic!("session template names unknown event type {name}"))
}

impl Dataset {
    /// Builds the data set from [`SEED`]. Same seed, same data, on every machine.
    pub fn generate() -> Self {
        Self::generate_with(SEED, USER_COUNT)
    }

    pub fn generate_with(seed: u64, user_count: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let ips = generate_ips(&mut rng);
        let people = generate_people(&mut rng, user_count, ips.len());
        let hot: Vec<(u32, f64)> = HOT_IPS
            .iter()
            .map(|(ip, share)| {
                let addr: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
                let index = ips.iter().position(|i| *i == addr).unwrap_or(0) as u32;
                (index, *share)
            })
            .collect();
        let templates: Vec<Vec<u8>> =
            SESSION_TEMPLATES.iter().map(|t| t.iter().map(|n| kind_of(n)).collect()).collect();

        let mut events = Vec::with_capacity(320_000);
        for (person_index, person) in people.iter().enumerate() {
            // Heavy-tailed activity: most people have a handful of sessions, a few have hundreds.
            let u: f64 = rng.random_range(0.0..1.0);
            let sessions = (2.0 + 5.0 / (1.0 - u).powf(0.55)).min(400.0) as usize;
            for session in 0..sessions {
                let start = rng.random_range(SPAN_START_MS..SPAN_END_MS);
                let ip = pick_session_ip(&mut rng, person, session, &hot, ips.len());
                let browser = person.browsers[rng.random_range(0..2)];
                // Half the sessions are a lone event of any type (so all 62 types occur), half a run.
                let single;
                let kinds: &[u8] = if rng.random_range(0..2) == 0 {
                    single = [rng.random_range(0..IDME_EVENT_TYPES.len()) as u8];
                    &single
                } else {
                    &templates[rng.random_range(0..templates.len())]
                };
                let mut at = start;
                for &kind in kinds {
                    at += rng.random_range(400..180_000);
                    events.push(make_event(&mut rng, person_index as u32, person, kind, ip, browser, at, ips.len()));
                }
            }
        }
        events.sort_by(|a, b| b.order_at_ms.cmp(&a.order_at_ms).then(b.person.cmp(&a.person)));

        let ip_lookup = ips.iter().enumerate().map(|(i, ip)| (*ip, i as u32)).collect();
        let person_lookup = people.iter().enumerate().map(|(i, p)| (p.uuid.clone(), i as u32)).collect();
        let mut idme_by_ip: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut idme_by_person = vec![Vec::new(); people.len()];
        for (i, e) in events.iter().enumerate() {
            idme_by_ip.entry(e.search_ip).or_default().push(i as u32);
            idme_by_person[e.person as usize].push(i as u32);
        }
        let standfast = super::standfast::data::generate(&people);
        let iden = super::iden::data::generate(&people, ips.len());
        Dataset {
            people,
            ips,
            idme_events: events,
            ip_lookup,
            person_lookup,
            idme_by_ip,
            idme_by_person,
            standfast,
            iden,
        }
    }

    /// Events indexed under an IP, newest first (empty for an IP the data set does not know).
    pub fn idme_events_for_ip(&self, ip: &IpAddr) -> &[u32] {
        self.ip_lookup.get(ip).and_then(|i| self.idme_by_ip.get(i)).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Events of a user, newest first. Accepts the UUID dashed or as 32 hex digits, any case.
    pub fn idme_events_for_user(&self, uuid: &str) -> &[u32] {
        let key: String = uuid.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
        self.person_lookup.get(&key).map(|p| self.idme_by_person[*p as usize].as_slice()).unwrap_or(&[])
    }

    /// The IPs with the most events, busiest first (for tests, demos and `serve`'s hints).
    pub fn busiest_ips(&self, n: usize) -> Vec<(IpAddr, usize)> {
        let mut all: Vec<(IpAddr, usize)> =
            self.idme_by_ip.iter().map(|(ip, list)| (self.ips[*ip as usize], list.len())).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }
}

#[allow(clippy::too_many_arguments)]
fn make_event(
    rng: &mut ChaCha8Rng,
    person_index: u32,
    person: &Person,
    kind: u8,
    ip: u32,
    browser: u16,
    at: i64,
    ip_count: usize,
) -> IdmeEvent {
    let mut quirks = 0u8;
    let roll = |rng: &mut ChaCha8Rng, per_thousand: u32| rng.random_range(0..1000) < per_thousand;
    if roll(rng, 10) {
        quirks |= quirk::BASE64_APPLICATION;
    }
    if roll(rng, 5) {
        quirks |= quirk::UPDATED_BEFORE_TRACKED;
    }
    if roll(rng, 5) {
        quirks |= quirk::OUT_OF_ORDER;
    }
    if roll(rng, 10) {
        quirks |= quirk::OTHER_IPADDRESS;
    }
    let tracked_at_ms = if quirks & quirk::OUT_OF_ORDER != 0 {
        at + rng.random_range(5..90) * 60_000 * if rng.random_range(0..2) == 0 { 1 } else { -1 }
    } else {
        at
    };
    let write_delay = rng.random_range(4..20);
    let updated_at_ms = if quirks & quirk::UPDATED_BEFORE_TRACKED != 0 {
        tracked_at_ms - 4 * 3_600_000 + write_delay
    } else {
        tracked_at_ms + write_delay
    };
    let reported_ip = if quirks & quirk::OTHER_IPADDRESS != 0 { rng.random_range(0..ip_count) as u32 } else { ip };
    IdmeEvent {
        kind,
        person: person_index,
        search_ip: ip,
        reported_ip,
        application: person.application,
        browser,
        order_at_ms: at,
        tracked_at_ms,
        updated_at_ms,
        offset_min: person.offset_min,
        quirks,
    }
}

/// A session's IP: a hot gateway by its share, sometimes anywhere, otherwise the person's home
/// addresses in turn (so every home address of an active person occurs).
fn pick_session_ip(rng: &mut ChaCha8Rng, person: &Person, session: usize, hot: &[(u32, f64)], ip_count: usize) -> u32 {
    let u: f64 = rng.random_range(0.0..1.0);
    let mut acc = 0.0;
    for (ip, share) in hot {
        acc += share;
        if u < acc {
            return *ip;
        }
    }
    if u < acc + 0.10 {
        return rng.random_range(0..ip_count) as u32;
    }
    person.home_ips[session % person.home_ips.len()]
}

fn generate_ips(rng: &mut ChaCha8Rng) -> Vec<IpAddr> {
    let mut seen = std::collections::HashSet::new();
    let mut ips = Vec::with_capacity(IP_POOL_SIZE);
    for (ip, _) in HOT_IPS {
        if let Ok(addr) = ip.parse::<IpAddr>() {
            seen.insert(addr);
            ips.push(addr);
        }
    }
    while ips.len() < IP_POOL_SIZE {
        let addr = if rng.random_range(0..20) == 0 {
            // One address in twenty is IPv6, in a few provider-like /32s.
            let prefixes: [u16; 4] = [0x2600, 0x2601, 0x2a02, 0x2001];
            IpAddr::V6(Ipv6Addr::new(
                prefixes[rng.random_range(0..prefixes.len())],
                rng.random_range(0x1000..0x2000),
                rng.random(),
                rng.random(),
                rng.random(),
                rng.random(),
                rng.random(),
                rng.random_range(1..0xffff),
            ))
        } else {
            IpAddr::V4(Ipv4Addr::new(rng.random_range(11..224), rng.random(), rng.random(), rng.random_range(1..255)))
        };
        if is_public(&addr) && seen.insert(addr) {
            ips.push(addr);
        }
    }
    ips
}

/// Keeps the data set to ordinary public unicast addresses (no private or documentation ranges).
fn is_public(addr: &IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_documentation()
                || a == 100 && (64..128).contains(&b)
                || a == 127)
        }
        IpAddr::V6(v6) => v6.segments()[0] != 0x2001 || v6.segments()[1] != 0x0db8,
    }
}

fn generate_people(rng: &mut ChaCha8Rng, count: usize, ip_count: usize) -> Vec<Person> {
    let mut people = Vec::with_capacity(count);
    for i in 0..count {
        let uuid = match SAMPLE_USER_UUIDS.get(i) {
            Some(sample) => (*sample).to_string(),
            None => format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>()),
        };
        // Each person has a block of four home addresses, the blocks tiling the pool (hot IPs
        // excluded: they are shared gateways), plus one drawn anywhere (households share).
        let homes = ip_count - HOT_IPS.len();
        let mut home_ips: Vec<u32> = (0..4).map(|j| (HOT_IPS.len() + (i * 4 + j) % homes) as u32).collect();
        home_ips.push(rng.random_range(HOT_IPS.len()..ip_count) as u32);
        people.push(Person {
            uuid_number: parse_uuid(&uuid).unwrap_or(0),
            uuid,
            home_ips,
            offset_min: OFFSETS_MIN[rng.random_range(0..OFFSETS_MIN.len())],
            application: rng.random_range(0..APPLICATIONS.len()) as u16,
            browsers: [rng.random_range(0..BROWSERS.len()) as u16, rng.random_range(0..BROWSERS.len()) as u16],
        });
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::OnceLock;

    fn data() -> &'static Dataset {
        static DATA: OnceLock<Dataset> = OnceLock::new();
        DATA.get_or_init(Dataset::generate)
    }

    #[test]
    fn sizes_meet_the_issue_floor() {
        let d = data();
        assert!(d.idme_events.len() >= 200_000, "{} events", d.idme_events.len());
        assert!(d.people.len() >= 5_000);
        let distinct_ips: HashSet<u32> = d.idme_events.iter().map(|e| e.search_ip).collect();
        assert!(distinct_ips.len() >= 20_000, "{} distinct IPs", distinct_ips.len());
        let busiest = d.busiest_ips(3);
        assert!(busiest[0].1 >= 20_000, "busiest IP has {} events", busiest[0].1);
        assert!(busiest[1].1 >= 10_000, "second busiest IP has {} events", busiest[1].1);
    }

    #[test]
    fn every_event_type_occurs() {
        let kinds: HashSet<u8> = data().idme_events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds.len(), 62);
    }

    #[test]
    fn every_quirk_occurs_at_a_small_rate() {
        let d = data();
        for flag in
            [quirk::BASE64_APPLICATION, quirk::UPDATED_BEFORE_TRACKED, quirk::OUT_OF_ORDER, quirk::OTHER_IPADDRESS]
        {
            let n = d.idme_events.iter().filter(|e| e.quirks & flag != 0).count();
            let rate = n as f64 / d.idme_events.len() as f64;
            assert!(rate > 0.001 && rate < 0.03, "quirk {flag} at rate {rate}");
        }
    }

    #[test]
    fn indexes_are_newest_first_and_complete() {
        let d = data();
        let (ip, count) = d.busiest_ips(1)[0];
        let list = d.idme_events_for_ip(&ip);
        assert_eq!(list.len(), count);
        assert!(
            list.windows(2)
                .all(|w| d.idme_events[w[0] as usize].order_at_ms >= d.idme_events[w[1] as usize].order_at_ms)
        );
        let total: usize = d.people.iter().map(|p| d.idme_events_for_user(&p.uuid).len()).sum();
        assert_eq!(total, d.idme_events.len());
    }

    #[test]
    fn sample_users_exist_and_lookup_accepts_dashes() {
        let d = data();
        assert!(!d.idme_events_for_user(SAMPLE_USER_UUIDS[0]).is_empty());
        assert_eq!(
            d.idme_events_for_user("AC28B80D-7AC1-4B0D-B51B-5BEF6281F3C2").len(),
            d.idme_events_for_user(SAMPLE_USER_UUIDS[0]).len()
        );
    }

    #[test]
    fn uuids_round_trip_dashed_or_plain() {
        let v = parse_uuid("AC28B80D-7AC1-4B0D-B51B-5BEF6281F3C2").unwrap();
        assert_eq!(format_uuid(v), "ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2");
        assert_eq!(parse_uuid("ac28b80d7ac14b0db51b5bef6281f3c2"), Some(v));
        for bad in ["", "ac28b80d", "+c28b80d7ac14b0db51b5bef6281f3c2", "zz28b80d7ac14b0db51b5bef6281f3c2"] {
            assert_eq!(parse_uuid(bad), None, "{bad}");
        }
        assert_eq!(format_uuid(data().people[0].uuid_value()).replace('-', ""), SAMPLE_USER_UUIDS[0]);
    }

    #[test]
    fn generation_is_deterministic() {
        let a = Dataset::generate_with(7, 200);
        let b = Dataset::generate_with(7, 200);
        assert_eq!(a.idme_events.len(), b.idme_events.len());
        assert!(
            a.idme_events
                .iter()
                .zip(&b.idme_events)
                .all(|(x, y)| x.order_at_ms == y.order_at_ms && x.kind == y.kind && x.search_ip == y.search_ip)
        );
    }
}
