//! Which wasm files each split point needs, read from the splitter's loader (`__wasm_split.js`),
//! so `public/boot.js` can preload a view's code the moment the page starts instead of once the
//! main module has routed. The loader fetches a split point's own module (`split_<name>.wasm`)
//! and the shared chunks it depends on (`chunk_<n>.wasm`):
//!
//! ```js
//! export const __wasm_split_load_severity = wrapAsyncCb(makeLoad(() => { … }
//! , [__chunk_11, __chunk_12]));
//! ```

const LOADER: &str = "export const __wasm_split_load_";
const CHUNK: &str = "__chunk_";
const DEPS: &str = "\n, [";

/// A split point (a view's code) and the numbers of the shared chunks it needs.
#[derive(Debug, PartialEq, Eq)]
pub struct SplitPoint {
    pub name: String,
    pub chunks: Vec<String>,
}

/// Every split point the loader names, with its shared chunks.
pub fn of_loader(js: &str) -> Result<Vec<SplitPoint>, String> {
    let mut entries = Vec::new();
    for part in js.split(LOADER).skip(1) {
        let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        // The dependency list: makeLoad's second argument, on a line of its own.
        let deps = part
            .find(DEPS)
            .map(|at| &part[at + DEPS.len()..])
            .and_then(|rest| rest.find(']').map(|end| &rest[..end]))
            .ok_or_else(|| format!("the wasm-split loader of {name} has no dependency list"))?;
        let mut numbers = Vec::new();
        for dep in deps.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let number = dep
                .strip_prefix(CHUNK)
                .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .ok_or_else(|| format!("the wasm-split loader of {name} depends on {dep:?}, not a chunk"))?;
            numbers.push(number.to_string());
        }
        entries.push(SplitPoint { name, chunks: numbers });
    }
    if entries.is_empty() {
        return Err("the wasm-split loader names no split point: has its format changed?".into());
    }
    Ok(entries)
}

/// `name:11,12;other:13`, as boot.js reads index.html's `data-chunks`.
pub fn data_attribute(split_points: &[SplitPoint]) -> String {
    split_points.iter().map(|point| format!("{}:{}", point.name, point.chunks.join(","))).collect::<Vec<_>>().join(";")
}

#[cfg(test)]
mod tests {
    use super::{SplitPoint, data_attribute, of_loader};

    /// As wasm_split_cli_support 0.2.4 writes it.
    const LOADER_JS: &str = r#"/* severity, signals */
const __chunk_11 = makeLoad(() => {
    const src = fetch(new URL("./chunk_11.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_signals = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_signals.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_11, __chunk_12]));
export const __wasm_split_load_verify = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_verify.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []));
"#;

    #[test]
    fn each_split_point_with_its_chunks() {
        let split_points = of_loader(LOADER_JS).unwrap();
        assert_eq!(
            split_points,
            [
                SplitPoint { name: "signals".into(), chunks: vec!["11".into(), "12".into()] },
                SplitPoint { name: "verify".into(), chunks: vec![] },
            ]
        );
        assert_eq!(data_attribute(&split_points), "signals:11,12;verify:");
    }

    #[test]
    fn a_loader_of_another_shape_is_refused() {
        assert!(of_loader("export default {}").is_err());
        let odd = LOADER_JS.replace("__chunk_12]", "somethingElse]");
        assert!(of_loader(&odd).unwrap_err().contains("somethingElse"));
    }
}
