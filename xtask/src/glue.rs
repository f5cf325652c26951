//! The main module's JS glue made lighter (release builds): short import names, no comment
//! lines, and no classes nothing creates.
//!
//! wasm-bindgen names each import after its JS function and a hash of 16 hex digits
//! (`__wbg_stringify_0a0fbf2ef722380a`), and writes every name twice: in the wasm's import
//! section and as a key of the glue's import object. The hashes are noise to the compressor:
//! about 3.4 KB brotli of every first load (docs/PERFORMANCE.md, "The first load within its
//! budget"). Every import from the glue is renamed to a short name, in both files. The chunks
//! import nothing from the glue (only memory, table and globals from `__wasm_split`), so they
//! need no change.
//!
//! The glue's comments (doc comments of classes the app never uses, a line naming each closure
//! cast) are 0.6 KB brotli more; the lines that are comments are dropped. Only whole lines: the
//! glue writes no text that spans lines (no multi-line template literal), so such a line is
//! never inside a string.
//!
//! wasm-bindgen writes a class into the glue, and exports its methods from the wasm, for every
//! `#[wasm_bindgen]` struct of every crate linked in. Leptos always links wasm-streams (for
//! server functions, which this app has none of), whose three stream classes and their code were
//! 0.9 KB brotli of the main module and 0.7 KB of the glue. A Rust value becomes such a class in
//! JS only through the class's `__wrap`, and the glue's one importer (`__wasm_split.js`) takes only
//! `initSync` from it, so a class without `__wrap` is never made: it goes, and so do the exports
//! only it calls, which lets wasm-opt drop their code.

use std::collections::HashSet;
use std::path::Path;

use wasm_encoder::{EntityType, ExportSection, ImportSection, Module, RawSection};
use wasmparser::{Parser, Payload};

/// The module name wasm-bindgen gives the glue's imports.
const GLUE_MODULE: &str = "./auditdeck_bg.js";

pub fn make_lean(wasm_path: &Path, js_path: &Path) -> Result<(), String> {
    let read_err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let wasm = std::fs::read(wasm_path).map_err(|e| read_err(wasm_path, e))?;
    let js = std::fs::read_to_string(js_path).map_err(|e| read_err(js_path, e))?;
    let (mut js, unused_exports) =
        without_unused_classes(&without_comment_lines(&js)).map_err(|e| format!("{}: {e}", js_path.display()))?;
    let (wasm, renamed) = rewrite_module(&wasm, &unused_exports)?;
    for (old, new) in &renamed {
        // In the glue, each import is one key of the import object: `        {old}: function(`.
        let key = format!("\n        {old}: ");
        if js.matches(&key).count() != 1 {
            return Err(format!(
                "{}: the import `{old}` is not one key of the glue's import object; wasm-bindgen's output changed, see xtask/src/glue.rs",
                js_path.display()
            ));
        }
        js = js.replacen(&key, &format!("\n        {new}: "), 1);
    }
    std::fs::write(wasm_path, wasm).map_err(|e| read_err(wasm_path, e))?;
    std::fs::write(js_path, js).map_err(|e| read_err(js_path, e))
}

/// The glue without its classes that have no `__wrap` (see the module's doc), and the wasm
/// exports only those classes called. A class is `export class Name {` to the next `}` at the
/// start of a line, then wasm-bindgen's `Symbol.dispose` line for it; its finalization registry is
/// `const NameFinalization = ` to the next line that ends in `;`.
fn without_unused_classes(js: &str) -> Result<(String, HashSet<String>), String> {
    let names: Vec<&str> = js
        .lines()
        .filter_map(|l| l.strip_prefix("export class ")?.strip_suffix(" {"))
        .filter(|name| !js.contains(&format!("{name}.__wrap(")))
        .collect();
    let mut kept = js.to_string();
    let mut removed = String::new();
    for name in &names {
        let class = cut(&mut kept, &format!("\nexport class {name} {{\n"), "\n}\n")?;
        removed.push_str(&class);
        let dispose = format!("if (Symbol.dispose) {name}.prototype[Symbol.dispose] = {name}.prototype.free;\n");
        if kept.contains(&format!("\n{dispose}")) {
            kept = kept.replacen(&format!("\n{dispose}"), "\n", 1);
        }
        removed.push_str(&cut(&mut kept, &format!("\nconst {name}Finalization = "), ";\n")?);
    }
    if let Some(name) = names.iter().find(|name| kept.contains(**name)) {
        return Err(format!("the class `{name}` is still named after its removal; see xtask/src/glue.rs"));
    }
    let exports: HashSet<String> = removed
        .split("wasm.")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .collect();
    if let Some(used) = exports.iter().find(|e| kept.contains(&format!("wasm.{e}("))) {
        return Err(format!("the export `{used}` of a removed class is called elsewhere; see xtask/src/glue.rs"));
    }
    Ok((kept, exports))
}

/// Removes from `text` the part from `start` (its first `\n` kept) to the first `end` after it,
/// and returns it.
fn cut(text: &mut String, start: &str, end: &str) -> Result<String, String> {
    let from = text.find(start).ok_or_else(|| format!("no `{}` in the glue", start.trim()))? + 1;
    let to =
        text[from..].find(end).ok_or_else(|| format!("no end to `{}` in the glue", start.trim()))? + from + end.len();
    let part = text[from..to].to_string();
    text.replace_range(from..to, "");
    Ok(part)
}

/// The text without its `//` lines and `/** … */` blocks (each marker on a line of its own, as
/// wasm-bindgen writes them). Also for boot.js, whose comments every first load would fetch.
pub fn without_comment_lines(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut in_doc = false;
    for line in js.split_inclusive('\n') {
        let code = line.trim();
        if in_doc {
            in_doc = code != "*/";
        } else if code == "/**" {
            in_doc = true;
        } else if !code.starts_with("//") {
            out.push_str(line);
        }
    }
    out
}

/// An import's name as wasm-bindgen wrote it, and the short one it gets.
type Renamed = (String, String);

/// The module with every import from [`GLUE_MODULE`] renamed and without the exports
/// `unused_exports`, and the names.
fn rewrite_module(wasm: &[u8], unused_exports: &HashSet<String>) -> Result<(Vec<u8>, Vec<Renamed>), String> {
    let mut out = Module::new();
    let mut renamed = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("reading the main module: {e}"))?;
        match payload {
            Payload::ImportSection(reader) => {
                let mut section = ImportSection::new();
                for import in reader.into_imports() {
                    let import = import.map_err(|e| format!("reading the main module's imports: {e}"))?;
                    let ty = EntityType::try_from(import.ty).map_err(|e| format!("an import's type: {e}"))?;
                    if import.module == GLUE_MODULE {
                        let short = short_name(renamed.len());
                        section.import(import.module, &short, ty);
                        renamed.push((import.name.to_string(), short));
                    } else {
                        section.import(import.module, import.name, ty);
                    }
                }
                out.section(&section);
            }
            Payload::ExportSection(reader) => {
                let mut section = ExportSection::new();
                for export in reader {
                    let export = export.map_err(|e| format!("reading the main module's exports: {e}"))?;
                    if !unused_exports.contains(export.name) {
                        section.export(export.name, export.kind.into(), export.index);
                    }
                }
                out.section(&section);
            }
            // Sections are copied as they are; a code section's entries come with its start.
            other => {
                if let Some((id, range)) = other.as_section() {
                    out.section(&RawSection { id, data: &wasm[range] });
                }
            }
        }
    }
    Ok((out.finish(), renamed))
}

/// `a` … `z`, `A` … `Z`, then `aa`, `ab` …: valid JS property names, none a glue helper's name.
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_go_and_code_stays() {
        let glue = "export class A {\n    /**\n     * @returns {number}\n     */\n    get n() {\n        // Cast intrinsic for `x`.\n        return f(\"// not a comment\"); // kept: code before it\n    }\n}\n";
        assert_eq!(
            without_comment_lines(glue),
            "export class A {\n    get n() {\n        return f(\"// not a comment\"); // kept: code before it\n    }\n}\n"
        );
    }

    #[test]
    fn classes_nothing_makes_go_with_the_exports_only_they_call() {
        let glue = "import * as import1 from \"./__wasm_split.js\"\n\nexport class Sink {\n    free() {\n        wasm.__wbg_sink_free(ptr, 0);\n    }\n    write(chunk) {\n        const ret = wasm.sink_write(this.__wbg_ptr, chunk);\n        return ret;\n    }\n}\nif (Symbol.dispose) Sink.prototype[Symbol.dispose] = Sink.prototype.free;\n\nexport class Made {\n    static __wrap(ptr) {\n        return 1;\n    }\n    get n() {\n        return wasm.made_n(this.__wbg_ptr);\n    }\n}\nfunction f() {\n    Made.__wrap(wasm.malloc(1));\n}\nconst SinkFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_sink_free(ptr, 1));\nconst MadeFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_made_free(ptr, 1));\n";
        let (kept, exports) = without_unused_classes(glue).unwrap_or_default();
        assert_eq!(
            kept,
            "import * as import1 from \"./__wasm_split.js\"\n\n\nexport class Made {\n    static __wrap(ptr) {\n        return 1;\n    }\n    get n() {\n        return wasm.made_n(this.__wbg_ptr);\n    }\n}\nfunction f() {\n    Made.__wrap(wasm.malloc(1));\n}\nconst MadeFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_made_free(ptr, 1));\n"
        );
        let mut exports: Vec<String> = exports.into_iter().collect();
        exports.sort();
        assert_eq!(exports, ["__wbg_sink_free", "sink_write"]);
    }

    #[test]
    fn a_removed_class_whose_export_is_called_elsewhere_fails_the_build() {
        let glue = "\nexport class Sink {\n    write() {\n        wasm.sink_write(1);\n    }\n}\nconst SinkFinalization = (typeof FinalizationRegistry === 'undefined')\n    : new FinalizationRegistry(ptr => wasm.__wbg_sink_free(ptr, 1));\nfunction g() { wasm.sink_write(2); }\n";
        assert_eq!(
            without_unused_classes(glue).err().as_deref(),
            Some("the export `sink_write` of a removed class is called elsewhere; see xtask/src/glue.rs")
        );
    }

    #[test]
    fn short_names_are_distinct_and_short() {
        // 52 names of one letter, then 52 × 52 of two.
        let names: Vec<String> = (0..2756).map(short_name).collect();
        assert_eq!(&names[..3], ["a", "b", "c"]);
        assert_eq!(names[51], "Z");
        assert_eq!(names[52], "aa");
        assert_eq!(names[2755], "ZZ");
        assert_eq!(short_name(2756), "aaa");
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), 2756);
        assert!(names.iter().all(|n| n.len() <= 2 && n.bytes().all(|b| b.is_ascii_alphabetic())));
    }
}
