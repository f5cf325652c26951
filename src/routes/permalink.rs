//! Permalinks: a view's URL plus `event=<id>` opens that event's detail over the same view.
//! `/events/<id>` looks one ID.me event up through the Events API.

use super::query::Href;
use super::row_filter::RowFilter;
use super::view::ViewState;
use crate::rows::format::Zone;

/// The query parameter naming the open event.
pub const EVENT_PARAM: &str = "event";

/// The view's URL (`path` and its query pairs) with `id` as the open event, or with no event
/// open for None. The other parameters keep their order.
pub fn with_event<'a>(path: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>, id: Option<&str>) -> String {
    Href::keeping(path, pairs, &[EVENT_PARAM]).param(EVENT_PARAM, id).build()
}

/// The lookup page of an event id.
pub fn lookup_href(id: &str) -> String {
    format!("/events/{}", crate::providers::encode_segment(id))
}

/// `/events/{id}?tz=`: one event looked up by the id ID.me issued.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventLookup {
    pub id: String,
    pub zone: Zone,
    /// Always empty: one event has no rows to filter.
    rows: RowFilter,
}

impl ViewState for EventLookup {
    const PATH_PARAM: Option<&'static str> = Some("id");

    fn from_url(path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let id = path.trim();
        if id.is_empty() {
            return Err("The URL names no event id.".into());
        }
        Ok(EventLookup { id: id.to_string(), zone: Zone::parse(get("tz").as_deref()), rows: RowFilter::default() })
    }

    fn href(&self) -> String {
        Href::new(lookup_href(&self.id)).param("tz", self.zone.query_value()).build()
    }

    fn zone(&self) -> Zone {
        self.zone
    }

    fn rows(&self) -> &RowFilter {
        &self.rows
    }

    fn with_zone(&self, zone: Zone) -> Self {
        EventLookup { zone, ..self.clone() }
    }

    fn with_rows(&self, _rows: RowFilter) -> Self {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::query::tests_support::from_href;

    #[test]
    fn the_event_is_added_replaced_and_removed_keeping_the_view() {
        let pairs = [("severity", "high,critical"), ("event", "old"), ("cursor", "c/1=")];
        let opened = with_event("/severity", pairs, Some("ev 1&2"));
        assert_eq!(opened, "/severity?severity=high,critical&cursor=c%2F1%3D&event=ev%201%262");
        let (_, get) = from_href(&opened);
        assert_eq!((get("event").as_deref(), get("cursor").as_deref()), (Some("ev 1&2"), Some("c/1=")));
        assert_eq!(with_event("/severity", pairs, None), "/severity?severity=high,critical&cursor=c%2F1%3D");
        assert_eq!(with_event("/ip/1.2.3.4", [], Some("a")), "/ip/1.2.3.4?event=a");
        assert_eq!(lookup_href("idme-ab/c"), "/events/idme-ab%2Fc");
        let lookup = EventLookup::from_url(" idme-ab/c ", |k| (k == "tz").then(|| "local".to_string())).unwrap();
        assert_eq!(lookup.href(), "/events/idme-ab%2Fc?tz=local");
        assert!(EventLookup::from_url("  ", |_| None).is_err());
    }
}
