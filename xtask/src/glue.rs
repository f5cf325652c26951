//! The main module's JS glue made lighter (release builds): short import names, and no comment
//! lines.
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

use std::path::Path;

use wasm_encoder::{EntityType, ImportSection, Module, RawSection};
use wasmparser::{Parser, Payload};

/// The module name wasm-bindgen gives the glue's imports.
const GLUE_MODULE: &str = "./auditdeck_bg.js";

pub fn make_lean(wasm_path: &Path, js_path: &Path) -> Result<(), String> {
    let read_err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let wasm = std::fs::read(wasm_path).map_err(|e| read_err(wasm_path, e))?;
    let mut js = std::fs::read_to_string(js_path).map_err(|e| read_err(js_path, e))?;
    let (wasm, renamed) = rename_imports(&wasm)?;
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
    std::fs::write(js_path, without_comment_lines(&js)).map_err(|e| read_err(js_path, e))
}

/// The text without its `//` lines and `/** … */` blocks (each marker on a line of its own, as
/// wasm-bindgen writes them).
fn without_comment_lines(js: &str) -> String {
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

/// The module with every import from [`GLUE_MODULE`] renamed, and the names.
fn rename_imports(wasm: &[u8]) -> Result<(Vec<u8>, Vec<Renamed>), String> {
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
