//! How the loaded rows are shown, kept in the URL like every other filter: a text filter
//! (`q`), a sort (`sort=type` or `sort=-occurred`), hidden columns (`hide=client,source`), and
//! facet filters:
//! `only=type:session.login,ip:1.2.3.4` keeps rows with those values (any value of a facet,
//! every facet), `not=source:Iden` drops rows with them. Commas and percent signs inside a
//! value are escaped (`%2C`, `%25`). Vendors cannot express these (no vendor excludes), so
//! they narrow what was loaded, in the browser; every view says so where it applies them.

use super::row_order;
use crate::model::{AuditEvent, search_case};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    Type,
    Severity,
    Source,
    Application,
    Ip,
}

impl Facet {
    pub const ALL: [Facet; 5] = [Facet::Type, Facet::Severity, Facet::Source, Facet::Application, Facet::Ip];

    pub fn key(self) -> &'static str {
        match self {
            Facet::Type => "type",
            Facet::Severity => "severity",
            Facet::Source => "source",
            Facet::Application => "app",
            Facet::Ip => "ip",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Facet::Type => "Event type",
            Facet::Severity => "Severity",
            Facet::Source => "Source",
            Facet::Application => "Application / workspace",
            Facet::Ip => "IP address",
        }
    }

    fn parse(key: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The event's value for this facet (None: it has none).
    pub fn value_of(self, e: &AuditEvent) -> Option<&str> {
        match self {
            Facet::Type => Some(e.event_type.as_str()).filter(|t| !t.is_empty()),
            Facet::Severity => Some(e.severity.as_str()),
            Facet::Source => Some(e.source.label()),
            Facet::Application => e.context.application.as_deref().or(e.context.workspace.as_deref()),
            Facet::Ip => e.actor.ip.as_deref().filter(|ip| !ip.is_empty()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacetValue {
    pub facet: Facet,
    pub value: String,
}

impl FacetValue {
    pub fn new(facet: Facet, value: impl Into<String>) -> Self {
        FacetValue { facet, value: value.into() }
    }

    fn matches(&self, e: &AuditEvent) -> bool {
        self.facet.value_of(e) == Some(self.value.as_str())
    }
}

/// The columns of the events table, by URL key (sortable, hideable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Occurred,
    Event,
    Severity,
    Ip,
    Application,
    Client,
    User,
    Source,
    Recorded,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::Occurred,
        Column::Event,
        Column::Severity,
        Column::Ip,
        Column::Application,
        Column::Client,
        Column::User,
        Column::Source,
        Column::Recorded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Column::Occurred => "occurred",
            Column::Event => "type",
            Column::Severity => "severity",
            Column::Ip => "ip",
            Column::Application => "app",
            Column::Client => "client",
            Column::User => "user",
            Column::Source => "source",
            Column::Recorded => "recorded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Column::Occurred => "Occurred",
            Column::Event => "Event",
            Column::Severity => "Severity",
            Column::Ip => "IP address",
            Column::Application => "Application / workspace",
            Column::Client => "Browser / client",
            Column::User => "User",
            Column::Source => "Source",
            Column::Recorded => "Recorded",
        }
    }

    fn parse(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key.trim())
    }

    /// The text a row sorts by in this column (borrowed: read once per row, then ranked).
    fn sort_text(self, e: &AuditEvent) -> &str {
        let text = match self {
            Column::Event => Some(&e.event_type),
            Column::Ip => e.actor.ip.as_ref(),
            Column::Application => e.context.application.as_ref().or(e.context.workspace.as_ref()),
            Column::Client => e.actor.client.as_ref(),
            Column::User => e.actor.uuid.as_ref().or_else(|| e.subject.as_ref().and_then(|s| s.uuid.as_ref())),
            Column::Source => return e.source.label(),
            Column::Occurred | Column::Severity | Column::Recorded => None,
        };
        text.map_or("", String::as_str)
    }

    /// Sorts rows by this column; rows that compare equal keep their order either way.
    pub fn sort(self, rows: &mut [AuditEvent], descending: bool) {
        fn keyed<K: Ord>(rows: &mut [AuditEvent], descending: bool, key: impl Fn(&AuditEvent) -> K) {
            let keys = rows.iter().map(key).collect();
            row_order::by_keys(rows, keys, descending);
        }
        match self {
            // Times by instant, unreadable times first.
            Column::Occurred => keyed(rows, descending, |e| e.occurred.parsed),
            Column::Recorded => keyed(rows, descending, |e| e.recorded.parsed),
            // Most severe first when ascending, as people read a severity scale.
            Column::Severity => keyed(rows, descending, |e| e.severity),
            // Addresses numerically, unreadable ones first (then as text).
            Column::Ip => {
                let ranks = row_order::ranks(rows.iter().map(|e| self.sort_text(e)), |t| (ip_of(t), t));
                row_order::by_keys(rows, ranks, descending);
            }
            Column::Event | Column::Application | Column::Client | Column::User | Column::Source => {
                let ranks = row_order::ranks(rows.iter().map(|e| self.sort_text(e)), |t| t);
                row_order::by_keys(rows, ranks, descending);
            }
        }
    }
}

/// An IP's text as an address (addresses sort numerically; unreadable ones first).
fn ip_of(text: &str) -> Option<std::net::IpAddr> {
    text.trim().parse().ok()
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowFilter {
    pub only: Vec<FacetValue>,
    pub not: Vec<FacetValue>,
    /// Kept: rows with this text (any case) in a shown field.
    pub text: Option<String>,
    /// The column and whether descending.
    pub sort: Option<(Column, bool)>,
    pub hidden: Vec<Column>,
}

/// The URL parameters a [`RowFilter`] is kept in.
pub const PARAMS: [&str; 5] = ["only", "not", "q", "sort", "hide"];

fn escape(value: &str) -> String {
    value.replace('%', "%25").replace(',', "%2C")
}

fn unescape(value: &str) -> String {
    value.replace("%2C", ",").replace("%2c", ",").replace("%25", "%")
}

fn parse_list(text: Option<&str>, param: &str) -> Result<Vec<FacetValue>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(Vec::new()) };
    let mut values: Vec<FacetValue> = Vec::new();
    for entry in text.split(',') {
        let (key, value) = entry.split_once(':').unwrap_or((entry, ""));
        let facet = Facet::parse(key.trim()).ok_or_else(|| {
            let known: Vec<&str> = Facet::ALL.iter().map(|f| f.key()).collect();
            format!("“{param}={entry}”: the facet must be one of {}, then “:” and a value.", known.join(", "))
        })?;
        let value = FacetValue::new(facet, unescape(value));
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Ok(values)
}

fn list_value(values: &[FacetValue]) -> Option<String> {
    (!values.is_empty())
        .then(|| values.iter().map(|v| format!("{}:{}", v.facet.key(), escape(&v.value))).collect::<Vec<_>>().join(","))
}

impl RowFilter {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Result<RowFilter, String> {
        let sort = match get("sort").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => {
                let (key, descending) = match text.strip_prefix('-') {
                    Some(key) => (key.to_string(), true),
                    None => (text.clone(), false),
                };
                let column = Column::parse(&key).ok_or_else(|| format!("“sort={text}”: no such column."))?;
                Some((column, descending))
            }
        };
        let mut named = Vec::new();
        for key in get("hide").unwrap_or_default().split(',').filter(|k| !k.trim().is_empty()) {
            named.push(Column::parse(key).ok_or_else(|| format!("“hide={key}”: no such column."))?);
        }
        // In the table's order, as the URL writes them: one set of columns, one value.
        let hidden = Column::ALL.into_iter().filter(|c| named.contains(c)).collect();
        Ok(RowFilter {
            only: parse_list(get("only").as_deref(), "only")?,
            not: parse_list(get("not").as_deref(), "not")?,
            text: get("q").map(|q| q.trim().to_string()).filter(|q| !q.is_empty()),
            sort,
            hidden,
        })
    }

    /// The value of one of [`PARAMS`] for the URL.
    pub fn query_value(&self, key: &str) -> Option<String> {
        match key {
            "only" => list_value(&self.only),
            "not" => list_value(&self.not),
            "q" => self.text.clone(),
            "sort" => self.sort.map(|(c, descending)| format!("{}{}", if descending { "-" } else { "" }, c.key())),
            "hide" => {
                let keys: Vec<&str> =
                    Column::ALL.into_iter().filter(|c| self.hidden.contains(c)).map(Column::key).collect();
                (!keys.is_empty()).then(|| keys.join(","))
            }
            _ => None,
        }
    }

    /// Only what decides which rows are kept (no sort, no hidden columns).
    pub fn keeping(&self) -> RowFilter {
        RowFilter { sort: None, hidden: Vec::new(), ..self.clone() }
    }

    /// Whether rows are dropped (facets or text); sorting and columns drop none.
    pub fn is_empty(&self) -> bool {
        self.only.is_empty() && self.not.is_empty() && self.text.is_none()
    }

    /// Kept: for every facet named in `only`, one of its values; none of the `not` values; the
    /// text, when there is one, in one of the shown fields.
    pub fn matches(&self, e: &AuditEvent) -> bool {
        self.matches_text(e, self.text.as_deref().map(Needle::new).as_ref())
    }

    /// `matches` with the text filter's needle made once for all rows, not per row.
    fn matches_text(&self, e: &AuditEvent, text: Option<&Needle>) -> bool {
        if self.not.iter().any(|v| v.matches(e)) {
            return false;
        }
        if let Some(text) = text
            && !text.found_in(e)
        {
            return false;
        }
        Facet::ALL.into_iter().all(|facet| {
            let mut wanted = self.only.iter().filter(|v| v.facet == facet).peekable();
            wanted.peek().is_none() || wanted.any(|v| v.matches(e))
        })
    }

    /// The rows kept, in the chosen order (a stable sort: ties keep the vendor's order).
    pub fn apply(&self, events: &[AuditEvent]) -> Vec<AuditEvent> {
        let mut kept = self.keep(events);
        self.order(&mut kept);
        kept
    }

    /// The rows kept, in their loaded order (for what does not depend on the order). Only the
    /// kept rows are copied: a copy touches the row's record, and most rows are not kept.
    pub fn keep(&self, events: &[AuditEvent]) -> Vec<AuditEvent> {
        if self.is_empty() {
            return events.to_vec();
        }
        let text = self.text.as_deref().map(Needle::new);
        events.iter().filter(|e| self.matches_text(e, text.as_ref())).cloned().collect()
    }

    /// Puts rows in the chosen order (a stable sort: ties keep the vendor's order).
    pub fn order(&self, rows: &mut [AuditEvent]) {
        if let Some((column, descending)) = self.sort {
            column.sort(rows, descending);
        }
    }

    pub fn with_sort(&self, sort: Option<(Column, bool)>) -> RowFilter {
        RowFilter { sort, ..self.clone() }
    }

    pub fn with_hidden(&self, column: Column, hidden: bool) -> RowFilter {
        let mut next = self.clone();
        next.hidden =
            Column::ALL.into_iter().filter(|c| if *c == column { hidden } else { self.hidden.contains(c) }).collect();
        next
    }

    /// Click: keep only this value (again: stop keeping it). Clears an exclusion of it.
    pub fn toggled_only(&self, value: &FacetValue) -> RowFilter {
        let mut next = self.without(value);
        if !self.only.contains(value) {
            next.only.push(value.clone());
        }
        next
    }

    /// Alt-click: drop this value (again: stop dropping it). Clears keeping it.
    pub fn toggled_not(&self, value: &FacetValue) -> RowFilter {
        let mut next = self.without(value);
        if !self.not.contains(value) {
            next.not.push(value.clone());
        }
        next
    }

    pub fn without(&self, value: &FacetValue) -> RowFilter {
        RowFilter {
            only: self.only.iter().filter(|v| *v != value).cloned().collect(),
            not: self.not.iter().filter(|v| *v != value).cloned().collect(),
            ..self.clone()
        }
    }

    /// In words, for empty states and notes.
    pub fn describe(&self) -> String {
        let part = |values: &[FacetValue], verb: &str| {
            (!values.is_empty()).then(|| {
                let list: Vec<String> = values.iter().map(|v| format!("{} {}", v.facet.key(), v.value)).collect();
                format!("{verb} {}", list.join(", "))
            })
        };
        let text = self.text.as_ref().map(|t| format!("containing “{t}”"));
        [part(&self.only, "only"), part(&self.not, "not"), text].into_iter().flatten().collect::<Vec<_>>().join("; ")
    }
}

/// A text filter: whether a shown field holds the text, in any case.
struct Needle {
    /// In search case.
    text: String,
    /// Made once: making a searcher per row was a tenth of a 100,000-row search.
    finder: memchr::memmem::Finder<'static>,
}

impl Needle {
    fn new(text: &str) -> Needle {
        let text = search_case(text);
        let finder = memchr::memmem::Finder::new(text.as_bytes()).into_owned();
        Needle { text, finder }
    }

    fn found_in(&self, e: &AuditEvent) -> bool {
        // The severity and the source are ASCII words: compared in place, in any case.
        let needle = self.text.as_bytes();
        let in_word = |word: &str| {
            needle.is_empty() || word.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
        };
        self.finder.find(e.found_by().as_bytes()).is_some() || in_word(e.severity.as_str()) || in_word(e.source.label())
    }
}

/// Each value of a facet among `events`, with its count, most frequent first (ties by value).
pub fn counts(events: &[AuditEvent], facet: Facet) -> Vec<(String, usize)> {
    // Borrowed keys: 100,000 rows are counted without copying a value per row.
    let mut map = std::collections::HashMap::<&str, usize>::new();
    for value in events.iter().filter_map(|e| facet.value_of(e)) {
        *map.entry(value).or_insert(0) += 1;
    }
    let mut list: Vec<(String, usize)> = map.into_iter().map(|(value, n)| (value.to_string(), n)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_iden;

    fn event(id: &str, event_type: &str, severity: &str, ip: Option<&str>) -> AuditEvent {
        let raw = serde_json::json!({"event_id": id, "event_type": event_type, "severity": severity,
            "occurred_at": "2026-04-08T14:30:00Z", "actor": {"ip": ip}});
        from_iden(&raw, "c").unwrap()
    }

    #[test]
    fn round_trip_with_commas_and_percents_in_values() {
        let filter = RowFilter {
            only: vec![FacetValue::new(Facet::Type, "session.login"), FacetValue::new(Facet::Application, "A, 100% B")],
            not: vec![FacetValue::new(Facet::Ip, "10.0.0.1")],
            ..Default::default()
        };
        let only = filter.query_value("only");
        assert_eq!(only.as_deref(), Some("type:session.login,app:A%2C 100%25 B"));
        let filter = RowFilter {
            text: Some("chrome".into()),
            sort: Some((Column::Ip, true)),
            hidden: vec![Column::Source],
            ..filter
        };
        assert_eq!(filter.query_value("sort").as_deref(), Some("-ip"));
        let get = |k: &str| filter.query_value(k);
        assert_eq!(RowFilter::from_query(get), Ok(filter.clone()));
        assert!(RowFilter::from_query(|k| (k == "sort").then(|| "colour".into())).is_err());
        let bad = RowFilter::from_query(|k| (k == "not").then(|| "colour:red".to_string())).unwrap_err();
        assert!(bad.contains("not=colour:red") && bad.contains("type, severity, source, app, ip"), "{bad}");
    }

    #[test]
    fn only_is_or_within_a_facet_and_and_across_not_drops() {
        let rows = vec![
            event("a", "session.login", "low", Some("1.1.1.1")),
            event("b", "session.logout", "info", Some("2.2.2.2")),
            event("c", "session.login", "high", None),
        ];
        let ids = |f: &RowFilter| f.apply(&rows).into_iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        let login = FacetValue::new(Facet::Type, "session.login");
        let logout = FacetValue::new(Facet::Type, "session.logout");
        let f = RowFilter::default().toggled_only(&login);
        assert_eq!(ids(&f), ["a", "c"]);
        assert_eq!(ids(&f.toggled_only(&logout)), ["a", "b", "c"], "two values of one facet: either");
        let ip = FacetValue::new(Facet::Ip, "1.1.1.1");
        assert_eq!(ids(&f.toggled_only(&ip)), ["a"], "two facets: both");
        assert_eq!(ids(&f.toggled_not(&ip)), ["c"]);
        assert_eq!(f.toggled_only(&login), RowFilter::default(), "clicking again clears");
        assert_eq!(f.toggled_not(&login).only, [], "excluding a kept value stops keeping it");
        assert_eq!(f.toggled_not(&ip).describe(), "only type session.login; not ip 1.1.1.1");
        assert_eq!(counts(&rows, Facet::Type), [("session.login".to_string(), 2), ("session.logout".to_string(), 1)]);
        assert_eq!(counts(&rows, Facet::Ip).len(), 2, "rows without an IP are not counted");
    }

    #[test]
    fn text_filter_and_sort_within_the_loaded_rows() {
        let rows = vec![
            event("a", "session.login", "low", Some("10.0.0.9")),
            event("b", "account.updated", "critical", Some("9.0.0.1")),
            event("c", "session.logout", "info", Some("10.0.0.10")),
        ];
        let ids = |f: RowFilter| f.apply(&rows).into_iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(RowFilter { text: Some("SESSION".into()), ..Default::default() }), ["a", "c"]);
        assert_eq!(ids(RowFilter { text: Some("critical".into()), ..Default::default() }), ["b"]);
        let sorted = |column, descending| ids(RowFilter { sort: Some((column, descending)), ..Default::default() });
        assert_eq!(sorted(Column::Event, false), ["b", "a", "c"]);
        assert_eq!(sorted(Column::Ip, false), ["b", "a", "c"], "IPs compare as addresses, not text");
        assert_eq!(sorted(Column::Severity, false), ["b", "a", "c"], "most severe first");
        assert_eq!(sorted(Column::Severity, true), ["c", "a", "b"]);
        assert_eq!(sorted(Column::Ip, true), ["c", "a", "b"]);
    }

    #[test]
    fn text_is_found_in_any_case_ascii_or_not_and_within_one_field() {
        let found = |event_type: &str, ip: &str, text: &str| {
            RowFilter { text: Some(text.into()), ..Default::default() }.matches(&event(
                "id-1",
                event_type,
                "low",
                Some(ip),
            ))
        };
        assert!(found("Session.LOGIN.failed", "10.0.0.1", "login"));
        assert!(!found("session.logi", "n10.0.0.1", "login"), "not across two fields");
        assert!(found("ÉVÉNEMENT Zürich", "10.0.0.1", "zürich"));
        assert!(found("ÉVÉNEMENT", "10.0.0.1", "événement"));
        assert!(!found("Zurich", "10.0.0.1", "zürich"));
        assert!(found("nul\0inside", "10.0.0.1", "L\0I"), "a NUL is text like any other");
        assert!(!found("a", "10.0.0.1", "a\0"), "not the field separator");
        assert!(found("x", "10.0.0.1", "LOW"), "the severity is searched too");
        assert!(found("x", "10.0.0.1", "iDeN"), "and the source");
        assert!(!found("x", "10.0.0.1", "ident"));
    }

    #[test]
    fn text_columns_sort_as_their_whole_text() {
        let types = [
            "session.login.succeeded",
            "session.login.failed",
            "session.login.sudden",
            "session.login.su",
            "session.login",
            "session.login\0",
            "a",
            "",
        ];
        let rows: Vec<AuditEvent> =
            types.iter().enumerate().map(|(i, t)| event(&i.to_string(), t, "low", None)).collect();
        let mut want: Vec<&str> = types.to_vec();
        want.sort();
        let sorted = |descending| {
            let mut sorted = rows.clone();
            Column::Event.sort(&mut sorted, descending);
            sorted.iter().map(|e| e.event_type.clone()).collect::<Vec<_>>()
        };
        assert_eq!(sorted(false), want);
        want.reverse();
        assert_eq!(sorted(true), want);
    }

    #[test]
    fn rows_that_compare_equal_keep_their_order_in_both_directions() {
        let rows = vec![
            event("a", "session.login", "low", Some("10.0.0.9")),
            event("b", "session.login", "low", Some("10.0.0.9")),
            event("c", "account.updated", "low", Some("9.0.0.1")),
        ];
        let sorted = |column, descending| {
            RowFilter { sort: Some((column, descending)), ..Default::default() }
                .apply(&rows)
                .into_iter()
                .map(|e| e.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(sorted(Column::Ip, false), ["c", "a", "b"]);
        assert_eq!(sorted(Column::Ip, true), ["a", "b", "c"]);
        assert_eq!(sorted(Column::Event, true), ["a", "b", "c"]);
        assert_eq!(sorted(Column::Event, false), ["c", "a", "b"]);
    }
}
