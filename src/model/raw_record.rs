//! The record as the vendor sent it, kept as compact JSON text. Parsed, a record takes several
//! times the memory of its text (100,000 parsed Iden records were most of the app's 360 MB),
//! while only the detail view, the rows in view and the exports read it; the CSV writes the
//! text as it is.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord(Box<str>);

impl RawRecord {
    pub fn of(value: &Value) -> RawRecord {
        RawRecord(value.to_string().into_boxed_str())
    }

    /// Compact JSON.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The record parsed again (it was valid JSON when it was kept).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Default for RawRecord {
    fn default() -> Self {
        RawRecord::of(&Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_record_as_compact_text_and_reads_it_back() {
        let record = serde_json::json!({"b": [1, null, "x\"y"], "a": {"n": 1.5}});
        let raw = RawRecord::of(&record);
        assert_eq!(raw.text(), r#"{"a":{"n":1.5},"b":[1,null,"x\"y"]}"#);
        assert_eq!(raw.value(), record);
        assert_eq!(RawRecord::default().text(), "null");
    }
}
