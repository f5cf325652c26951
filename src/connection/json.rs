//! The JSON the app reads and writes on every page: `/config.json`, and what it keeps in
//! localStorage. In the browser, the browser's own `JSON` parses and writes it.
//!
//! Not serde_json, nor another Rust parser: this code is in the main module that every first
//! load fetches, and a parser brings its number parsing and formatting with it (serde_json and
//! its derived readers cost 23 KB brotli there, miniserde 10 KB; the browser's parser costs
//! nothing). The views parse vendor answers with serde_json, in their own chunk.
//! docs/PERFORMANCE.md, "The first load within its budget".
//!
//! Natively (unit tests, no browser), the same readers run over serde_json's values.

/// Why a document could not be read: the member that is missing or of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed JSON value.
#[derive(Clone)]
pub struct Json(Value);

#[cfg(target_arch = "wasm32")]
type Value = wasm_bindgen::JsValue;
#[cfg(not(target_arch = "wasm32"))]
type Value = serde_json::Value;

/// A member of an object, named for error messages.
pub struct Member<'a> {
    name: &'a str,
    value: Option<Json>,
}

impl Json {
    /// None when the text is not JSON.
    pub fn parse(text: &str) -> Option<Json> {
        imp::parse(text).map(Json)
    }

    /// Reads this value as an object, for its members.
    pub fn object(&self, what: &str) -> Result<&Json, Unreadable> {
        if imp::is_object(&self.0) { Ok(self) } else { Err(Unreadable(format!("{what} is not an object"))) }
    }

    /// An array's items; None when this is no array.
    pub fn items(&self) -> Option<Vec<Json>> {
        imp::as_items(&self.0).map(|items| items.into_iter().map(Json).collect())
    }

    /// A member of this object (absent when this is no object).
    pub fn member<'a>(&self, name: &'a str) -> Member<'a> {
        Member { name, value: imp::member(&self.0, name).map(Json) }
    }

    pub fn text(value: &str) -> Json {
        Json(imp::text(value))
    }

    pub fn flag(value: bool) -> Json {
        Json(imp::flag(value))
    }

    /// An object of these members, in this order.
    pub fn object_of(members: Vec<(&str, Json)>) -> Json {
        Json(imp::object_of(members.into_iter().map(|(k, v)| (k, v.0)).collect()))
    }

    pub fn array_of(items: Vec<Json>) -> Json {
        Json(imp::array_of(items.into_iter().map(|v| v.0).collect()))
    }

    /// The value as JSON text.
    pub fn write(&self) -> String {
        imp::write(&self.0)
    }
}

impl Member<'_> {
    /// The member's value, None when it is absent or null.
    fn present(&self) -> Option<&Json> {
        self.value.as_ref().filter(|v| !imp::is_null(&v.0))
    }

    fn wrong(&self, kind: &str) -> Unreadable {
        Unreadable(format!("`{}` is not {kind}", self.name))
    }

    fn missing(&self, kind: &str) -> Unreadable {
        Unreadable(format!("`{}` is missing (it must be {kind})", self.name))
    }

    /// Text, or None when absent or null.
    pub fn text(&self) -> Result<Option<String>, Unreadable> {
        self.present().map(|v| imp::as_text(&v.0).ok_or_else(|| self.wrong("text"))).transpose()
    }

    pub fn required_text(&self) -> Result<String, Unreadable> {
        self.text()?.ok_or_else(|| self.missing("text"))
    }

    /// true or false, or None when absent or null.
    pub fn flag(&self) -> Result<Option<bool>, Unreadable> {
        self.present().map(|v| imp::as_flag(&v.0).ok_or_else(|| self.wrong("true or false"))).transpose()
    }

    /// A whole number from 0 to 4294967295, or None when absent or null.
    pub fn whole(&self) -> Result<Option<u32>, Unreadable> {
        self.present()
            .map(|v| {
                imp::as_number(&v.0)
                    .filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n))
                    .map(|n| n as u32)
                    .ok_or_else(|| self.wrong("a whole number from 0 to 4294967295"))
            })
            .transpose()
    }

    /// An array's items, or None when absent or null.
    pub fn items(&self) -> Result<Option<Vec<Json>>, Unreadable> {
        self.present().map(|v| v.items().ok_or_else(|| self.wrong("an array"))).transpose()
    }

    /// An object, or None when absent or null.
    pub fn object(&self) -> Result<Option<Json>, Unreadable> {
        self.present()
            .map(|v| if imp::is_object(&v.0) { Ok(v.clone()) } else { Err(self.wrong("an object")) })
            .transpose()
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::{Array, JSON, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    pub fn parse(text: &str) -> Option<JsValue> {
        JSON::parse(text).ok()
    }

    pub fn is_object(v: &JsValue) -> bool {
        v.is_object() && !Array::is_array(v)
    }

    pub fn member(v: &JsValue, name: &str) -> Option<JsValue> {
        let object = v.dyn_ref::<Object>().filter(|_| is_object(v))?;
        let key = JsValue::from_str(name);
        // Its own members only: `Reflect.get` would also find the prototype's (`constructor`).
        if !Object::has_own(object, &key) {
            return None;
        }
        Reflect::get(v, &key).ok().filter(|m| !m.is_undefined())
    }

    pub fn is_null(v: &JsValue) -> bool {
        v.is_null()
    }

    pub fn as_text(v: &JsValue) -> Option<String> {
        v.as_string()
    }

    pub fn as_flag(v: &JsValue) -> Option<bool> {
        v.as_bool()
    }

    pub fn as_number(v: &JsValue) -> Option<f64> {
        v.as_f64()
    }

    pub fn as_items(v: &JsValue) -> Option<Vec<JsValue>> {
        v.dyn_ref::<Array>().map(|a| a.iter().collect())
    }

    pub fn text(value: &str) -> JsValue {
        JsValue::from_str(value)
    }

    pub fn flag(value: bool) -> JsValue {
        JsValue::from_bool(value)
    }

    pub fn object_of(members: Vec<(&str, JsValue)>) -> JsValue {
        let object = Object::new();
        for (name, value) in members {
            let _ = Reflect::set(&object, &JsValue::from_str(name), &value);
        }
        object.into()
    }

    pub fn array_of(items: Vec<JsValue>) -> JsValue {
        items.into_iter().collect::<Array>().into()
    }

    pub fn write(v: &JsValue) -> String {
        // Only values made by the functions above: strings, booleans, arrays and plain objects,
        // which JSON.stringify always writes.
        JSON::stringify(v).map(String::from).unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde_json::Value;

    pub fn parse(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    pub fn is_object(v: &Value) -> bool {
        v.is_object()
    }

    pub fn member(v: &Value, name: &str) -> Option<Value> {
        v.as_object()?.get(name).cloned()
    }

    pub fn is_null(v: &Value) -> bool {
        v.is_null()
    }

    pub fn as_text(v: &Value) -> Option<String> {
        v.as_str().map(str::to_string)
    }

    pub fn as_flag(v: &Value) -> Option<bool> {
        v.as_bool()
    }

    pub fn as_number(v: &Value) -> Option<f64> {
        v.as_f64()
    }

    pub fn as_items(v: &Value) -> Option<Vec<Value>> {
        v.as_array().cloned()
    }

    pub fn text(value: &str) -> Value {
        Value::String(value.to_string())
    }

    pub fn flag(value: bool) -> Value {
        Value::Bool(value)
    }

    pub fn object_of(members: Vec<(&str, Value)>) -> Value {
        Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    pub fn array_of(items: Vec<Value>) -> Value {
        Value::Array(items)
    }

    pub fn write(v: &Value) -> String {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_read_as_their_type_and_absent_or_null_as_none() {
        let doc = Json::parse(r#"{"t":"a\"b","f":true,"n":25,"z":null,"l":[1,"x"],"o":{"k":"v"},"half":2.5,"neg":-1}"#)
            .unwrap();
        assert_eq!(doc.member("t").text(), Ok(Some("a\"b".to_string())));
        assert_eq!(doc.member("f").flag(), Ok(Some(true)));
        assert_eq!(doc.member("n").whole(), Ok(Some(25)));
        assert_eq!(doc.member("z").text(), Ok(None));
        assert_eq!(doc.member("absent").flag(), Ok(None));
        assert_eq!(doc.member("l").items().map(|i| i.map(|i| i.len())), Ok(Some(2)));
        assert_eq!(doc.member("o").object().unwrap().unwrap().member("k").required_text(), Ok("v".to_string()));
        assert_eq!(doc.member("t").flag(), Err(Unreadable("`t` is not true or false".into())));
        assert_eq!(
            doc.member("half").whole(),
            Err(Unreadable("`half` is not a whole number from 0 to 4294967295".into()))
        );
        assert!(doc.member("neg").whole().is_err());
        assert!(doc.member("l").object().is_err());
        assert_eq!(
            doc.member("absent").required_text(),
            Err(Unreadable("`absent` is missing (it must be text)".into()))
        );
        assert!(Json::parse("{\"unclosed\":").is_none());
    }

    #[test]
    fn written_values_read_back() {
        let written = Json::array_of(vec![Json::object_of(vec![
            ("text", Json::text("ann \"x\"\n</script>")),
            ("on", Json::flag(true)),
        ])])
        .write();
        let read = Json::parse(&written).unwrap();
        assert!(read.object("the list").is_err(), "an array is not an object");
        let first = read.items().unwrap().remove(0);
        assert_eq!(first.member("text").text(), Ok(Some("ann \"x\"\n</script>".to_string())));
        assert_eq!(first.member("on").flag(), Ok(Some(true)));
    }
}
