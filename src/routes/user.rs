//! `/users/{uuid}?sources=&page=&cursor=&before=&skip=&layout=&tz=`: one person's timeline
//! across the three sources, each paged its own way.

use super::query::{Href, Sources, Uuid, bounded};
use super::row_filter::RowFilter;
use crate::model::Vendor;
use crate::providers::standfast::Position;
use crate::routes::ip::parse_page;
use crate::rows::format::Zone;

/// Every vendor, and the gateway's signals about the person (shown where it receives them).
pub const TIMELINE_SOURCES: Sources = Sources::of(&Vendor::SOURCES);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Layout {
    /// Grouped by day, then into sessions.
    #[default]
    Timeline,
    /// The same rows as a plain table.
    Table,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTimeline {
    /// Dashed lowercase.
    pub uuid: Uuid,
    pub sources: Sources,
    /// ID.me's page number.
    pub page: u64,
    /// Iden's cursor through events where the user is the actor.
    pub cursor: Option<String>,
    /// Iden's cursor through events where the user is the subject.
    pub subject_cursor: Option<String>,
    /// Standfast's position.
    pub position: Position,
    pub layout: Layout,
    pub zone: Zone,
    /// Facet filters over the loaded rows.
    pub rows: RowFilter,
}

impl UserTimeline {
    pub fn new(uuid: Uuid) -> Self {
        UserTimeline {
            uuid,
            sources: TIMELINE_SOURCES,
            page: 1,
            cursor: None,
            subject_cursor: None,
            position: Position::default(),
            layout: Layout::Timeline,
            zone: Zone::Utc,
            rows: RowFilter::default(),
        }
    }

    pub fn href(&self) -> String {
        Href::new(format!("/users/{}", self.uuid))
            .param("sources", self.sources.query_value(TIMELINE_SOURCES))
            .param("page", (self.page > 1).then(|| self.page.to_string()))
            .param("cursor", self.cursor.as_deref())
            .param("subject_cursor", self.subject_cursor.as_deref())
            .param("before", self.position.before.as_deref())
            .param("skip", (self.position.skip > 0).then(|| self.position.skip.to_string()))
            .param("layout", (self.layout == Layout::Table).then_some("table"))
            .param("tz", self.zone.query_value())
            .row_filter(&self.rows)
            .build()
    }

    pub fn with_source(&self, source: Vendor, on: bool) -> Self {
        UserTimeline { sources: self.sources.with(source, on), ..self.clone() }
    }
}

pub fn user_timeline_from_url(uuid: &str, get: impl Fn(&str) -> Option<String>) -> Result<UserTimeline, String> {
    let decoded = percent_encoding::percent_decode_str(uuid).decode_utf8_lossy();
    Ok(UserTimeline {
        uuid: Uuid::parse(&decoded)?,
        sources: Sources::parse(get("sources").as_deref(), TIMELINE_SOURCES)?,
        page: parse_page(get("page").as_deref())?,
        cursor: get("cursor").filter(|c| !c.is_empty()),
        subject_cursor: get("subject_cursor").filter(|c| !c.is_empty()),
        position: Position {
            before: get("before").filter(|b| !b.is_empty()),
            skip: bounded(get("skip").as_deref(), "skip", 0, 100_000, 0)?,
        },
        layout: match get("layout").as_deref() {
            Some("table") => Layout::Table,
            _ => Layout::Timeline,
        },
        zone: Zone::parse(get("tz").as_deref()),
        rows: RowFilter::from_query(&get)?,
    })
}

/// Where the user form sends what was typed.
pub fn user_form_target(text: &str) -> Result<String, String> {
    Uuid::parse(text).map(|uuid| UserTimeline::new(uuid).href())
}

impl super::view::ViewState for UserTimeline {
    const PATH_PARAM: Option<&'static str> = Some("uuid");

    fn from_url(path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        user_timeline_from_url(path, get)
    }

    fn href(&self) -> String {
        UserTimeline::href(self)
    }

    crate::zone_and_rows_fields!(UserTimeline);
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::query::tests_support::from_href;

    const U: &str = "ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2";

    #[test]
    fn round_trip() {
        for href in [
            format!("/users/{U}"),
            format!("/users/{U}?sources=idme,iden&page=3&cursor=abc%3D&subject_cursor=def&layout=table&tz=local"),
            format!("/users/{U}?before=2026-05-13T10:00:00.001Z&skip=4"),
        ] {
            let (path, get) = from_href(&href);
            let view = user_timeline_from_url(path.strip_prefix("/users/").unwrap(), get).unwrap();
            assert_eq!(view.href(), href);
        }
    }

    #[test]
    fn uuid_is_validated_before_anything_is_sent() {
        assert_eq!(user_form_target("AC28B80D7AC14B0DB51B5BEF6281F3C2").unwrap(), format!("/users/{U}"));
        assert!(user_form_target("ac28").is_err());
        let (_, get) = from_href("/users/x");
        assert!(user_timeline_from_url("not-a-uuid", get).unwrap_err().contains("not a UUID"));
    }
}
