//! `/severity?severity=&category=&type=&prefix=&from=&to=&actor=&subject=&actor_ip=&limit=&cursor=&sources=&tz=`:
//! Iden's events by severity, optionally with ID.me and Standfast events of derived severity.

use std::net::IpAddr;

use super::query::{Href, Sources, Uuid, bounded, instant_text, list, optional_instant, optional_uuid};
use super::row_filter::RowFilter;
use crate::model::{Severity, Vendor};
use crate::providers::iden::{self, DEFAULT_LIMIT, MAX_LIMIT};
use crate::rows::format::Zone;

pub const SEVERITY_DEFAULT_SOURCES: Sources = Sources::of(&[Vendor::Iden]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityView {
    /// Ordered as [`Severity::ALL`], no repeats.
    pub severities: Vec<Severity>,
    pub category: Option<String>,
    pub event_type: Option<String>,
    pub prefix: Option<String>,
    pub filter_times: (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>),
    pub actor: Option<Uuid>,
    pub subject: Option<Uuid>,
    pub actor_ip: Option<IpAddr>,
    pub limit: u32,
    pub cursor: Option<String>,
    pub sources: Sources,
    pub zone: Zone,
    /// Facet filters over the loaded rows.
    pub rows: RowFilter,
}

impl Default for SeverityView {
    fn default() -> Self {
        SeverityView {
            severities: Vec::new(),
            category: None,
            event_type: None,
            prefix: None,
            filter_times: (None, None),
            actor: None,
            subject: None,
            actor_ip: None,
            limit: DEFAULT_LIMIT,
            cursor: None,
            sources: SEVERITY_DEFAULT_SOURCES,
            zone: Zone::Utc,
            rows: RowFilter::default(),
        }
    }
}

impl SeverityView {
    pub fn href(&self) -> String {
        let severities: Vec<&str> = self.severities.iter().map(|s| s.as_str()).collect();
        Href::new("/severity")
            .param("severity", Some(severities.join(",")))
            .param("category", self.category.as_deref())
            .param("type", self.event_type.as_deref())
            .param("prefix", self.prefix.as_deref())
            .param("from", self.filter_times.0.map(instant_text))
            .param("to", self.filter_times.1.map(instant_text))
            .param("actor", self.actor.as_ref().map(Uuid::as_str))
            .param("subject", self.subject.as_ref().map(Uuid::as_str))
            .param("actor_ip", self.actor_ip.map(|ip| ip.to_string()))
            .param("limit", (self.limit != DEFAULT_LIMIT).then(|| self.limit.to_string()))
            .param("cursor", self.cursor.as_deref())
            .param("sources", self.sources.query_value(SEVERITY_DEFAULT_SOURCES))
            .param("tz", self.zone.query_value())
            .row_filter(&self.rows)
            .build()
    }

    /// Iden's filter for this view.
    pub fn iden_filter(&self) -> iden::Filter {
        iden::Filter {
            event_type: self.event_type.clone(),
            event_type_prefix: self.prefix.clone(),
            category: self.category.clone(),
            severities: self.severities.clone(),
            occurred_from: self.filter_times.0,
            occurred_to: self.filter_times.1,
            actor_uuid: self.actor.as_ref().map(Uuid::to_string),
            subject_uuid: self.subject.as_ref().map(Uuid::to_string),
            actor_ip: self.actor_ip.map(|ip| ip.to_string()),
        }
    }

    /// Same filters, newest page.
    pub fn first_page(&self) -> Self {
        SeverityView { cursor: None, ..self.clone() }
    }

    /// The view filtered to exactly one severity (the chips), or to none when it already is.
    pub fn toggled_severity(&self, severity: Severity) -> Self {
        let severities = if self.severities == [severity] { Vec::new() } else { vec![severity] };
        SeverityView { severities, ..self.first_page() }
    }

    pub fn with_source(&self, source: Vendor, on: bool) -> Self {
        SeverityView { sources: self.sources.with(source, on), ..self.first_page() }
    }

    /// What the filters say, for an empty state ("no events with severity high and …").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.severities.is_empty() {
            let names: Vec<&str> = self.severities.iter().map(|s| s.as_str()).collect();
            parts.push(format!("severity {}", names.join(" or ")));
        }
        if let Some(c) = &self.category {
            parts.push(format!("category {c}"));
        }
        if let Some(t) = &self.event_type {
            parts.push(format!("type {t}"));
        }
        if let Some(p) = &self.prefix {
            parts.push(format!("type starting with {p}"));
        }
        if let Some(f) = self.filter_times.0 {
            parts.push(format!("from {}", instant_text(f)));
        }
        if let Some(t) = self.filter_times.1 {
            parts.push(format!("to {}", instant_text(t)));
        }
        if let Some(a) = &self.actor {
            parts.push(format!("actor {a}"));
        }
        if let Some(s) = &self.subject {
            parts.push(format!("subject {s}"));
        }
        if let Some(ip) = self.actor_ip {
            parts.push(format!("actor IP {ip}"));
        }
        if parts.is_empty() { "no filters".into() } else { parts.join(", ") }
    }
}

pub fn severity_view_from_url(get: impl Fn(&str) -> Option<String>) -> Result<SeverityView, String> {
    let mut severities = Vec::new();
    for name in list(get("severity").as_deref()) {
        let s = Severity::parse(&name)
            .ok_or_else(|| format!("“{name}” is not a severity (critical, high, medium, low, info)."))?;
        if !severities.contains(&s) {
            severities.push(s);
        }
    }
    severities.sort();
    let category = get("category").map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if let Some(c) = &category
        && !iden::CATEGORIES.contains(&c.as_str())
    {
        return Err(format!("“{c}” is not a category ({}).", iden::CATEGORIES.join(", ")));
    }
    let text = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let view = SeverityView {
        severities,
        category,
        event_type: text("type"),
        prefix: text("prefix"),
        filter_times: (
            optional_instant(get("from").as_deref(), "from")?,
            optional_instant(get("to").as_deref(), "to")?,
        ),
        actor: optional_uuid(get("actor").as_deref(), "actor")?,
        subject: optional_uuid(get("subject").as_deref(), "subject")?,
        actor_ip: match text("actor_ip") {
            None => None,
            Some(ip) => Some(super::ip::parse_ip(&ip).map_err(|e| format!("actor IP: {e}"))?),
        },
        limit: bounded(get("limit").as_deref(), "Page size", 1, MAX_LIMIT, DEFAULT_LIMIT)?,
        cursor: text("cursor"),
        sources: Sources::parse(get("sources").as_deref(), SEVERITY_DEFAULT_SOURCES)?,
        zone: Zone::parse(get("tz").as_deref()),
        rows: RowFilter::from_query(&get)?,
    };
    view.iden_filter().validate()?;
    Ok(view)
}

impl super::view::ViewState for SeverityView {
    const NARROWS: bool = true;

    fn from_url(_path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        severity_view_from_url(get)
    }

    fn href(&self) -> String {
        SeverityView::href(self)
    }

    crate::zone_and_rows_fields!(SeverityView);

    fn narrowed(&self, from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) -> Self {
        SeverityView { filter_times: (Some(from), Some(to)), cursor: None, ..self.clone() }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::query::tests_support::from_href;

    fn view(href: &str) -> Result<SeverityView, String> {
        let (_, get) = from_href(href);
        severity_view_from_url(get)
    }

    #[test]
    fn round_trip() {
        for href in [
            "/severity",
            "/severity?severity=critical,high&category=authentication&prefix=session.&from=2026-04-01T00:00:00Z\
             &actor=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2&actor_ip=203.0.113.42&limit=200&cursor=cD0x&sources=idme,iden&tz=local",
            "/severity?type=session.login.failed&subject=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2",
        ] {
            assert_eq!(view(href).unwrap().href(), href);
        }
    }

    #[test]
    fn chips_toggle_one_severity_and_restart_paging() {
        let v = view("/severity?severity=low&cursor=abc").unwrap();
        assert_eq!(v.toggled_severity(Severity::High).href(), "/severity?severity=high");
        assert_eq!(v.toggled_severity(Severity::Low).href(), "/severity");
    }

    #[test]
    fn bad_filters_are_refused_before_sending() {
        assert!(view("/severity?prefix=session").unwrap_err().contains("must end with"));
        assert!(view("/severity?severity=urgent").unwrap_err().contains("urgent"));
        assert!(view("/severity?limit=201").is_err());
        assert!(view("/severity?category=billing").is_err());
        assert!(view("/severity?actor_ip=1.2.3").is_err());
        assert_eq!(view("/severity?severity=high,critical").unwrap().href(), "/severity?severity=critical,high");
    }

    #[test]
    fn describe_names_the_filters() {
        let v = view("/severity?severity=high&actor_ip=203.0.113.42").unwrap();
        assert_eq!(v.describe(), "severity high, actor IP 203.0.113.42");
    }
}

/// How a vendor without severities joins the severity view: the request its API can make for
/// these filters, and which filters Auditdeck then applies to the loaded page itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DerivedPlan<R> {
    Included {
        request: R,
        applied_locally: Vec<&'static str>,
    },
    /// Its API cannot express these filters, so its events would not be the same selection.
    NotIncluded {
        reason: String,
    },
}

/// What ID.me's API can search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdmeRequest {
    ByIp(IpAddr),
    ByUser(Uuid),
}

/// ID.me searches one IP or one user; everything else is applied to the loaded page.
pub fn idme_plan(view: &SeverityView) -> DerivedPlan<IdmeRequest> {
    let request = match (view.actor_ip, &view.actor) {
        (Some(_), Some(_)) => {
            return DerivedPlan::NotIncluded { reason: "ID.me searches by IP or by user, not both at once.".into() };
        }
        (Some(ip), None) => IdmeRequest::ByIp(ip),
        (None, Some(uuid)) => IdmeRequest::ByUser(uuid.clone()),
        (None, None) => {
            return DerivedPlan::NotIncluded {
                reason: "ID.me can only search by IP or by user: set an actor IP or an actor UUID.".into(),
            };
        }
    };
    if view.subject.is_some() {
        return DerivedPlan::NotIncluded { reason: "ID.me events have no subject.".into() };
    }
    DerivedPlan::Included { request, applied_locally: view.local_filters(true) }
}

/// Standfast lists by time range, type and contact (the subject); it has no actor or IP.
pub fn standfast_plan(view: &SeverityView) -> DerivedPlan<crate::providers::standfast::Filter> {
    use crate::providers::standfast::{EVENT_TYPES, Filter};
    let refuse = |reason: &str| DerivedPlan::NotIncluded { reason: reason.to_string() };
    if view.actor.is_some() || view.actor_ip.is_some() {
        return refuse("Standfast events have no actor or IP to filter by.");
    }
    if view.prefix.is_some() {
        return refuse("Standfast cannot filter by a type prefix.");
    }
    if let Some(t) = &view.event_type
        && !EVENT_TYPES.iter().any(|(name, _)| name == t)
    {
        return refuse("that event type is not one of Standfast's.");
    }
    if view.category.as_deref().is_some_and(|c| c != crate::model::severity::STANDFAST_CATEGORY) {
        return refuse("Standfast events are all in the category “verification”.");
    }
    let filter = Filter {
        from: view.filter_times.0,
        to: view.filter_times.1,
        types: view.event_type.iter().cloned().collect(),
        contact: view.subject.as_ref().map(Uuid::to_string),
    };
    DerivedPlan::Included { request: filter, applied_locally: view.local_filters(false) }
}

/// What the gateway's signals can be asked for: a subject, an event type, the time range (on
/// the event time); severity and category (always "security signal") are applied to the page.
pub fn signals_plan(view: &SeverityView) -> DerivedPlan<crate::providers::signals::Filter> {
    let refuse = |reason: &str| DerivedPlan::NotIncluded { reason: reason.to_string() };
    if view.actor.is_some() || view.actor_ip.is_some() {
        return refuse("security signals have a subject, no actor or IP.");
    }
    if view.prefix.is_some() {
        return refuse("the gateway cannot filter signals by a type prefix.");
    }
    if view.category.as_deref().is_some_and(|c| c != crate::model::signal::SIGNAL_CATEGORY) {
        return refuse("security signals are all in the category “security signal”.");
    }
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let filter = crate::providers::signals::Filter {
        event_type: view.event_type.clone(),
        subject: view.subject.as_ref().map(Uuid::hex),
        from: time(view.filter_times.0),
        // The gateway's `to` is exclusive; the view's is inclusive, so the last second is kept
        // and the page narrowed here.
        to: time(view.filter_times.1.map(|t| t + chrono::Duration::seconds(1))),
        before: None,
    };
    let mut local = view.local_filters(false);
    if view.filter_times.1.is_some() {
        local.push("time range");
    }
    DerivedPlan::Included { request: filter, applied_locally: local }
}

impl SeverityView {
    /// Filters a derived source's page is narrowed by in the browser.
    fn local_filters(&self, type_and_time: bool) -> Vec<&'static str> {
        let mut local = Vec::new();
        if !self.severities.is_empty() {
            local.push("severity");
        }
        if type_and_time {
            if self.category.is_some() {
                local.push("category");
            }
            if self.event_type.is_some() || self.prefix.is_some() {
                local.push("event type");
            }
            if self.filter_times.0.is_some() || self.filter_times.1.is_some() {
                local.push("time range");
            }
        }
        local
    }

    /// Whether a loaded event passes this view's filters (for derived sources' pages).
    pub fn matches(&self, e: &crate::model::AuditEvent) -> bool {
        let at = e.occurred.parsed.map(|t| t.to_utc());
        (self.severities.is_empty() || self.severities.contains(&e.severity))
            && self.category.as_ref().is_none_or(|c| **c == *e.category)
            && self.event_type.as_ref().is_none_or(|t| *t == e.event_type)
            && self.prefix.as_ref().is_none_or(|p| e.event_type.starts_with(p.as_str()))
            && self.filter_times.0.is_none_or(|from| at.is_some_and(|t| t >= from))
            && self.filter_times.1.is_none_or(|to| at.is_some_and(|t| t <= to))
    }
}

#[cfg(test)]
mod derived_tests {
    use super::*;
    use crate::routes::query::tests_support::from_href;

    fn view(href: &str) -> SeverityView {
        let (_, get) = from_href(href);
        severity_view_from_url(get).unwrap()
    }

    #[test]
    fn signals_join_by_subject_type_and_time_and_are_narrowed_by_severity() {
        let v = view(
            "/severity?severity=critical&type=account-purged&subject=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2\
             &from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z",
        );
        assert_eq!(
            signals_plan(&v),
            DerivedPlan::Included {
                request: crate::providers::signals::Filter {
                    event_type: Some("account-purged".into()),
                    subject: Some("ac28b80d7ac14b0db51b5bef6281f3c2".into()),
                    from: Some("2026-12-01T00:00:00Z".into()),
                    to: Some("2026-12-02T00:00:01Z".into()),
                    before: None,
                },
                applied_locally: vec!["severity", "time range"],
            }
        );
        assert!(matches!(signals_plan(&view("/severity?actor_ip=203.0.113.42")), DerivedPlan::NotIncluded { .. }));
        assert!(matches!(signals_plan(&view("/severity?prefix=session.")), DerivedPlan::NotIncluded { .. }));
        assert!(matches!(signals_plan(&view("/severity?category=authentication")), DerivedPlan::NotIncluded { .. }));
    }

    #[test]
    fn idme_joins_only_for_one_ip_or_one_user() {
        let v = view("/severity?severity=high&actor_ip=203.0.113.42");
        assert_eq!(
            idme_plan(&v),
            DerivedPlan::Included {
                request: IdmeRequest::ByIp("203.0.113.42".parse().unwrap()),
                applied_locally: vec!["severity"]
            }
        );
        assert!(matches!(idme_plan(&view("/severity?severity=high")), DerivedPlan::NotIncluded { .. }));
        let both = view("/severity?actor_ip=1.2.3.4&actor=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2");
        assert!(matches!(idme_plan(&both), DerivedPlan::NotIncluded { .. }));
    }

    #[test]
    fn standfast_joins_for_time_type_and_subject() {
        let v = view("/severity?type=risk_signal_raised&subject=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2&severity=high");
        let DerivedPlan::Included { request, applied_locally } = standfast_plan(&v) else { panic!() };
        assert_eq!(request.types, ["risk_signal_raised"]);
        assert_eq!(request.contact.as_deref(), Some("ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2"));
        assert_eq!(applied_locally, ["severity"]);
        assert!(matches!(
            standfast_plan(&view("/severity?type=session.login.failed")),
            DerivedPlan::NotIncluded { .. }
        ));
        assert!(matches!(standfast_plan(&view("/severity?actor_ip=1.2.3.4")), DerivedPlan::NotIncluded { .. }));
    }
}
