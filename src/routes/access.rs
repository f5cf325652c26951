//! `/admin/access`: the access log's filters and page, in the URL like every view, so an admin
//! can paste what they looked at. The gateway answers the same parameters at
//! `/admin/access.json` and `/admin/access.csv`.

use crate::routes::query::{Href, instant_field};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessView {
    /// An e-mail address or a subject.
    pub user: Option<String>,
    /// A connection id.
    pub connection: Option<String>,
    /// RFC 3339 instants in UTC; `to` is exclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// 1-based.
    pub page: u32,
}

impl AccessView {
    /// The filters in force, in words, for the folded form; None when there are none.
    pub fn describe(&self) -> Option<String> {
        let parts: Vec<String> =
            [("user", &self.user), ("connection", &self.connection), ("from", &self.from), ("to", &self.to)]
                .into_iter()
                .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name} {v}")))
                .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let text = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let page = match text("page") {
            None => 1,
            Some(p) => {
                p.parse::<u32>().ok().filter(|p| *p >= 1).ok_or(format!("page must be a number from 1, not {p:?}"))?
            }
        };
        Ok(AccessView {
            user: text("user"),
            connection: text("connection"),
            from: instant_field("from", get("from"))?,
            to: instant_field("to", get("to"))?,
            page,
        })
    }

    fn with_filters(&self, path: &str) -> Href {
        Href::new(path)
            .param("user", self.user.as_deref())
            .param("connection", self.connection.as_deref())
            .param("from", self.from.as_deref())
            .param("to", self.to.as_deref())
    }

    pub fn href(&self) -> String {
        let page = (self.page > 1).then(|| self.page.to_string());
        self.with_filters("/admin/access").param("page", page).build()
    }

    /// The gateway's page of entries for this view.
    pub fn json_url(&self) -> String {
        self.with_filters("/admin/access.json").param("page", Some(self.page.to_string())).build()
    }

    /// Every entry the filters match, as CSV.
    pub fn csv_url(&self) -> String {
        self.with_filters("/admin/access.csv").build()
    }

    pub fn at_page(&self, page: u32) -> Self {
        AccessView { page, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<AccessView, String> {
        AccessView::from_query(|k| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn the_filters_in_force_in_words() {
        assert_eq!(parse(&[]).unwrap().describe(), None);
        assert_eq!(parse(&[("page", "3")]).unwrap().describe(), None);
        let view = parse(&[("to", "2026-12-02T00:00:00Z"), ("user", "ada@example.org")]).unwrap();
        assert_eq!(view.describe().as_deref(), Some("user ada@example.org · to 2026-12-02T00:00:00Z"));
    }

    #[test]
    fn round_trip_and_gateway_urls() {
        let view = parse(&[
            ("user", "alice@example.org"),
            ("connection", "idme-team"),
            ("from", "2026-12-01T00:00"),
            ("page", "3"),
        ])
        .unwrap();
        let href = "/admin/access?user=alice%40example.org&connection=idme-team&from=2026-12-01T00:00:00Z&page=3";
        assert_eq!(view.href(), href);
        let again = parse(&[
            ("user", "alice@example.org"),
            ("connection", "idme-team"),
            ("from", "2026-12-01T00:00:00Z"),
            ("page", "3"),
        ])
        .unwrap();
        assert_eq!(again, view);
        assert_eq!(
            view.json_url(),
            "/admin/access.json?user=alice%40example.org&connection=idme-team&from=2026-12-01T00:00:00Z&page=3"
        );
        assert_eq!(
            view.csv_url(),
            "/admin/access.csv?user=alice%40example.org&connection=idme-team&from=2026-12-01T00:00:00Z"
        );
        assert_eq!(parse(&[]).unwrap().href(), "/admin/access");
        assert_eq!(parse(&[]).unwrap().json_url(), "/admin/access.json?page=1");
        assert_eq!(
            view.at_page(1).href(),
            "/admin/access?user=alice%40example.org&connection=idme-team&from=2026-12-01T00:00:00Z"
        );
    }

    #[test]
    fn bad_values_name_their_parameter() {
        assert!(parse(&[("from", "yesterday")]).unwrap_err().starts_with("from: “yesterday” is not a date and time"));
        assert!(parse(&[("page", "0")]).unwrap_err().starts_with("page must be a number"));
        assert!(parse(&[("to", "2026-13-01T00:00:00Z")]).unwrap_err().starts_with("to: "));
    }
}
