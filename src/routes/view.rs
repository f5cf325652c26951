//! What every view's URL state offers, so one hook can serve every page: read from the URL,
//! written back with `href`, the zone and row filters every view carries, and the links that
//! change only those.

use chrono::{DateTime, Utc};

use super::row_filter::{PARAMS, RowFilter};
use crate::rows::format::Zone;

pub trait ViewState: Clone + PartialEq + Send + Sync + 'static {
    /// The route's path parameter (`ip`, `uuid`), when it has one: a URL without it shows only
    /// the view's form.
    const PATH_PARAM: Option<&'static str> = None;

    /// Whether its vendors filter by time, so the view can be narrowed to a time range.
    const NARROWS: bool = false;

    /// The view the URL asks for, or why it cannot be read. `path` is the path parameter's value
    /// (empty for a view without one); `get` reads the query.
    fn from_url(path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String>;

    /// The URL for this state, default values left out.
    fn href(&self) -> String;

    fn zone(&self) -> Zone;

    /// The facet filters, text search, sort and columns over the loaded rows.
    fn rows(&self) -> &RowFilter;

    fn with_zone(&self, zone: Zone) -> Self;

    fn with_rows(&self, rows: RowFilter) -> Self;

    /// The view narrowed to a time range (both ends inclusive); the view itself where it cannot
    /// be ([`Self::NARROWS`]).
    fn narrowed(&self, _from: DateTime<Utc>, _to: DateTime<Utc>) -> Self {
        self.clone()
    }

    /// What the view searched for, which explains a row's mismatch flag (an IP search's IP).
    fn searched(&self) -> Option<String> {
        None
    }
}

/// `zone`, `rows`, `with_zone` and `with_rows` for a view's state that holds them as fields of
/// those names (every view's does).
#[macro_export]
macro_rules! zone_and_rows_fields {
    ($view:ident) => {
        fn zone(&self) -> $crate::rows::format::Zone {
            self.zone
        }

        fn rows(&self) -> &$crate::routes::row_filter::RowFilter {
            &self.rows
        }

        fn with_zone(&self, zone: $crate::rows::format::Zone) -> Self {
            $view { zone, ..self.clone() }
        }

        fn with_rows(&self, rows: $crate::routes::row_filter::RowFilter) -> Self {
            $view { rows, ..self.clone() }
        }
    };
}

/// The value a filter form keeps from the view in force for a parameter the form does not edit
/// (the zone and the row filters), or None when the form supplies the parameter.
pub fn kept_by_form<V: ViewState>(view: &V, key: &str) -> Option<Option<String>> {
    if key == "tz" {
        return Some(view.zone().query_value().map(String::from));
    }
    PARAMS.contains(&key).then(|| view.rows().query_value(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::IpSearch;

    #[test]
    fn a_form_keeps_the_zone_and_row_filters_and_nothing_else() {
        let view = IpSearch::from_url("10.0.0.1", |k| match k {
            "tz" => Some("local".into()),
            "q" => Some("login".into()),
            "hide" => Some("client".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(kept_by_form(&view, "tz"), Some(Some("local".to_string())));
        assert_eq!(kept_by_form(&view, "q"), Some(Some("login".to_string())));
        assert_eq!(kept_by_form(&view, "hide"), Some(Some("client".to_string())));
        assert_eq!(kept_by_form(&view, "only"), Some(None));
        assert_eq!(kept_by_form(&view, "page"), None);
        assert_eq!(kept_by_form(&view, "sources"), None);
    }
}
