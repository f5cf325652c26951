//! The splitter's loader (`__wasm_split.js`) made to take the modules `public/boot.js` began to
//! compile as the page started (the view in the address: its split point's module and shared
//! chunks), instead of fetching and compiling them once the main module has routed. Each of the
//! loader's fetchers reads
//!
//! ```js
//!     const src = fetch(new URL("./chunk_5.wasm", import.meta.url));
//!     src.catch(() => {});
//!     return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
//! ```
//!
//! and becomes `return compiledEarlyOrFetched(new URL("./chunk_5.wasm", import.meta.url));`. A
//! module compiled early is taken once: when its compiling failed (the network), or when the
//! route asks again after a failed load, the loader fetches it as before.

const FETCH_START: &str = "    const src = fetch(new URL(\"./";
const FETCH_END: &str = "\", import.meta.url));\n    src.catch(() => {});\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));";
const MAKE_LOAD: &str = "function makeLoad(";

/// The helper the fetchers call; `__auditdeckCompiledEarly` is boot.js's map of module URLs to
/// their compiling.
const HELPER: &str = r#"function compiledEarlyOrFetched(url) {
    const early = globalThis.__auditdeckCompiledEarly;
    const compiled = early && early.get(url.href);
    if (compiled) {
        early.delete(url.href);
        return async (imports) => {
            let module;
            try {
                module = await compiled;
            } catch {
                return WebAssembly.instantiateStreaming(fetch(url), imports);
            }
            return WebAssembly.instantiate(module, imports);
        };
    }
    const src = fetch(url);
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
"#;

/// `js` with every fetcher taking the module compiled early; fails, saying why, when the loader's
/// format is not the one this reads.
pub fn use_modules_compiled_early(js: &str) -> Result<String, String> {
    let at = js.find(MAKE_LOAD).ok_or("the wasm-split loader has no makeLoad: has its format changed?")?;
    let mut out = String::with_capacity(js.len() + HELPER.len());
    out.push_str(&js[..at]);
    out.push_str(HELPER);
    let mut rest = &js[at..];
    let mut fetchers = 0;
    while let Some(start) = rest.find(FETCH_START) {
        let after = &rest[start + FETCH_START.len()..];
        let end =
            after.find(FETCH_END).ok_or("a wasm-split fetcher of an unknown form: has the loader's format changed?")?;
        let file = &after[..end];
        if file.is_empty() || !file.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return Err(format!("a wasm-split fetcher of {file:?}, not a module file"));
        }
        out.push_str(&rest[..start]);
        out.push_str(&format!("    return compiledEarlyOrFetched(new URL(\"./{file}\", import.meta.url));"));
        rest = &after[end + FETCH_END.len()..];
        fetchers += 1;
    }
    out.push_str(rest);
    if fetchers == 0 || out.matches("instantiateStreaming(src, imports)").count() != 1 {
        return Err("the wasm-split loader's fetchers are not of the form this reads: has its format changed?".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::use_modules_compiled_early;

    const LOADER: &str = r#"import { initSync } from "./auditdeck.js";
function makeLoad(fetcher, deps) {
    return fetcher;
}
const __chunk_5 = makeLoad(() => {
    const src = fetch(new URL("./chunk_5.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_views = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_views.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_5]));
"#;

    #[test]
    fn every_fetcher_takes_the_module_compiled_early() {
        let out = use_modules_compiled_early(LOADER).unwrap();
        assert!(out.contains("const __chunk_5 = makeLoad(() => {\n    return compiledEarlyOrFetched(new URL(\"./chunk_5.wasm\", import.meta.url));\n}\n, []);"));
        assert!(out.contains("makeLoad(() => {\n    return compiledEarlyOrFetched(new URL(\"./split_views.wasm\", import.meta.url));\n}\n, [__chunk_5]));"));
        // The helper, once, before makeLoad; its own fetch is the only one left.
        assert_eq!(out.matches("function compiledEarlyOrFetched(url)").count(), 1);
        assert!(out.find("function compiledEarlyOrFetched").unwrap() < out.find("function makeLoad").unwrap());
        assert_eq!(out.matches("fetch(new URL(").count(), 0);
        assert!(out.contains("globalThis.__auditdeckCompiledEarly"));
    }

    #[test]
    fn a_loader_of_another_form_fails_the_build() {
        assert!(use_modules_compiled_early("export const x = 1;").is_err());
        let changed = LOADER.replace("src.catch(() => {});", "src.catch(console.error);");
        assert!(use_modules_compiled_early(&changed).is_err());
        let none = "function makeLoad(fetcher, deps) {}\n";
        assert!(use_modules_compiled_early(none).is_err());
    }
}
