//! `cargo xtask wasm`, run by trunk as its post_build hook (Trunk.toml): builds the app's wasm,
//! splits it into a main module and a chunk per split point (src/shell/lazy.rs), binds and
//! optimises it, writes it into trunk's staging directory and names its files in index.html. In
//! release, it then writes every file of the build also compressed (precompress.rs).
//!
//! trunk 0.21 cannot split a wasm (it runs wasm-bindgen on the whole module), so the app is no
//! trunk asset: trunk still builds the page, the CSS and the copied files, and this step adds the
//! code. The order is fixed by the splitter: it reads the linker's relocations, so it runs on
//! cargo's output, before wasm-bindgen.

use std::env;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{WASM_TARGET, command, run, step, workspace_root};

const APP_BIN: &str = "auditdeck";
/// The marker in index.html's boot script tag that this step replaces with the file names.
const BOOT_PLACEHOLDER: &str = r#"data-js="" data-wasm="""#;
/// The script that starts the app, written into index.html's boot tag.
const BOOT_SCRIPT: &str = "public/boot.js";

pub fn build() -> Result<(), String> {
    let staging = env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or("`cargo xtask wasm` is trunk's post_build hook: run `trunk build` (or `cargo xtask serve`), not this")?;
    let release = env::var("TRUNK_PROFILE").map(|p| p == "release").unwrap_or(true);
    let public_url = env::var("TRUNK_PUBLIC_URL").unwrap_or_else(|_| "/".into());

    step("building the app's wasm (split at src/shell/lazy.rs's split points)");
    let mut cargo = command("cargo");
    cargo.args(["rustc", "--package", APP_BIN, "--bin", APP_BIN, "--target", WASM_TARGET]);
    if release {
        cargo.arg("--release");
    }
    // The splitter needs the relocations to know which code each split point reaches.
    cargo.args(["--", "-Clink-args=--emit-relocs"]);
    run(cargo)?;

    let profile_dir = if release { "release" } else { "debug" };
    let linked = target_dir().join(WASM_TARGET).join(profile_dir).join(format!("{APP_BIN}.wasm"));
    let work = target_dir().join("wasm-split");
    let split_dir = work.join("split");
    let pkg = work.join("pkg");
    for dir in [&split_dir, &pkg] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }

    let mut split = command("wasm-split-cli");
    split.arg(&linked).arg(&split_dir).args(["--out-name", APP_BIN]);
    run(split)?;

    // The split main module keeps the linker's exports the chunks import (--keep-lld-exports);
    // the flags are those of cargo-leptos's split build.
    let mut bindgen = command("wasm-bindgen");
    bindgen
        .args(["--target", "web", "--keep-lld-exports", "--no-demangle", "--no-typescript", "--out-name", APP_BIN])
        .arg("--out-dir")
        .arg(&pkg)
        .arg(split_dir.join(format!("{APP_BIN}.wasm")));
    run(bindgen)?;

    // The loader (__wasm_split.js) and the chunks sit beside the bound main module: the loader
    // imports "./auditdeck.js" and fetches chunks relative to itself.
    for entry in read_dir(&split_dir)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != format!("{APP_BIN}.wasm") {
            copy(&entry.path(), &pkg.join(&name))?;
        }
    }
    let loader = pkg.join("__wasm_split.js");
    let early = std::fs::read_to_string(&loader)
        .map_err(|e| format!("{}: {e}", loader.display()))
        .and_then(|js| crate::split_loader::use_modules_compiled_early(&js))?;
    let split_points = crate::route_chunks::of_loader(&early)?;
    std::fs::write(&loader, early).map_err(|e| format!("{}: {e}", loader.display()))?;
    if release {
        crate::glue::make_lean(&pkg.join(format!("{APP_BIN}_bg.wasm")), &pkg.join(format!("{APP_BIN}.js")))?;
        for entry in read_dir(&pkg)? {
            if entry.path().extension().is_some_and(|e| e == "wasm") {
                optimise(&entry.path())?;
            }
        }
    }

    // After optimising: the file holds the chunks as served.
    crate::chunk_bundle::write_all(&pkg, &split_points)?;

    // One directory named by the content's hash: a new build never mixes with a cached old one.
    let dir_name = format!("pkg-{}", content_hash(&pkg)?);
    let published = staging.join(&dir_name);
    std::fs::create_dir_all(&published).map_err(|e| format!("{}: {e}", published.display()))?;
    for entry in read_dir(&pkg)? {
        copy(&entry.path(), &published.join(entry.file_name()))?;
    }
    // boot.js goes into the page itself: it runs as the page is parsed, with no request of its own
    // to wait for (the gateway's Content-Security-Policy allows it by its hash, server/src/csp.rs).
    let boot = workspace_root().join(BOOT_SCRIPT);
    let boot = std::fs::read_to_string(&boot).map_err(|e| format!("{}: {e}", boot.display()))?;
    let boot = if release { crate::glue::without_comment_lines(&boot) } else { boot };
    let index = staging.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let chunks_attribute = crate::route_chunks::data_attribute(&split_points);
    let html = index_with_files(&html, &format!("{public_url}{dir_name}/"), &chunks_attribute, &boot)?;
    std::fs::write(&index, html).map_err(|e| format!("{}: {e}", index.display()))?;
    if release {
        step("compressing the build (zopfli gzip, brotli 11)");
        crate::precompress::all_files(&staging)?;
    }
    Ok(())
}

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>, String> {
    let mut entries = std::fs::read_dir(dir)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("copy {} to {}: {e}", from.display(), to.display()))
}

/// binaryen 116's wasm-opt (see `ensure_wasm_opt`). The chunks never pass through wasm-bindgen,
/// so the features rustc emits must be enabled explicitly.
fn optimise(wasm: &Path) -> Result<(), String> {
    let mut c = command(&crate::cargo_bin_dir().join("wasm-opt").to_string_lossy());
    c.args(["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int"]).arg(wasm).arg("-o").arg(wasm);
    // For a CPU profile that names the app's functions (docs/PERFORMANCE.md's profiles).
    if env::var_os("AUDITDECK_WASM_NAMES").is_some() {
        c.arg("--debuginfo");
    }
    run(c)
}

fn content_hash(dir: &Path) -> Result<String, String> {
    let mut hasher = Sha256::new();
    for entry in read_dir(dir)? {
        hasher.update(entry.file_name().as_encoded_bytes());
        hasher.update(std::fs::read(entry.path()).map_err(|e| format!("{}: {e}", entry.path().display()))?);
    }
    Ok(hasher.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// Puts `boot` (boot.js) into the boot script tag and fills in its `data-js`, `data-wasm` and
/// `data-chunks` (each split point's shared chunks, route_chunks.rs; all read by boot.js), with
/// preloads of the same files, the chunks' loader and `/config.json` right before it: they are
/// asked for as the page is parsed, and boot.js, which runs at once, takes their responses
/// rather than asking again. A preload `as="fetch"` with `crossorigin` is the request
/// wasm-bindgen's `fetch` and the app's own make (the app asks for `/config.json` at the root
/// whatever the public URL), so they take it.
fn index_with_files(html: &str, base: &str, route_chunks: &str, boot: &str) -> Result<String, String> {
    const END: &str = "</script>";
    // The HTML parser would end the script at the first `</script` and treat `<!--` specially.
    if boot.to_ascii_lowercase().contains("</script") || boot.contains("<!--") {
        return Err(format!("{BOOT_SCRIPT} holds `</script` or `<!--`, which cannot go inside a script tag"));
    }
    let tag_start = html
        .find(BOOT_PLACEHOLDER)
        .and_then(|at| html[..at].rfind("<script"))
        .ok_or_else(|| format!("index.html has no boot script tag with {BOOT_PLACEHOLDER}"))?;
    let body_at = html[tag_start..]
        .find(&format!("{BOOT_PLACEHOLDER}></script>"))
        .map(|at| tag_start + at + BOOT_PLACEHOLDER.len() + 1)
        .ok_or_else(|| format!("index.html's boot script tag must be empty and end with {BOOT_PLACEHOLDER}>"))?;
    let (js, wasm) = (format!("{base}{APP_BIN}.js"), format!("{base}{APP_BIN}_bg.wasm"));
    // The chunks' loader too: the main module imports it, so every page fetches it, and
    // otherwise only once the main module has arrived.
    let preloads = format!(
        "<link rel=\"modulepreload\" href=\"{js}\" />\n    \
         <link rel=\"modulepreload\" href=\"{base}__wasm_split.js\" />\n    \
         <link rel=\"preload\" href=\"{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin />\n    \
         <link rel=\"preload\" href=\"/config.json\" as=\"fetch\" crossorigin />\n    "
    );
    let named = format!(r#"data-js="{js}" data-wasm="{wasm}" data-chunks="{route_chunks}""#);
    let tag = html[tag_start..body_at].replacen(BOOT_PLACEHOLDER, &named, 1);
    Ok(format!("{}{preloads}{tag}{boot}{END}{}", &html[..tag_start], &html[body_at + END.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_js_goes_into_the_boot_tag_after_the_preloads() {
        let html = "<head>\n    <script type=\"module\" async data-js=\"\" data-wasm=\"\"></script>\n    <link rel=\"stylesheet\" href=\"/main.css\"/>\n</head>";
        let named = index_with_files(html, "/pkg-0123/", "views:5,6", "const a = 1 < 2;\n").unwrap();
        assert_eq!(
            named,
            "<head>\n    \
             <link rel=\"modulepreload\" href=\"/pkg-0123/auditdeck.js\" />\n    \
             <link rel=\"modulepreload\" href=\"/pkg-0123/__wasm_split.js\" />\n    \
             <link rel=\"preload\" href=\"/pkg-0123/auditdeck_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin />\n    \
             <link rel=\"preload\" href=\"/config.json\" as=\"fetch\" crossorigin />\n    \
             <script type=\"module\" async data-js=\"/pkg-0123/auditdeck.js\" \
             data-wasm=\"/pkg-0123/auditdeck_bg.wasm\" data-chunks=\"views:5,6\">const a = 1 < 2;\n</script>\n    \
             <link rel=\"stylesheet\" href=\"/main.css\"/>\n</head>"
        );
    }

    #[test]
    fn an_index_without_the_boot_tag_is_refused() {
        assert!(index_with_files("<head></head>", "/pkg-0123/", "views:5", "").is_err());
        let filled = "<script type=\"module\" data-js=\"\" data-wasm=\"\">old();</script>";
        assert!(index_with_files(filled, "/pkg-0123/", "views:5", "").is_err(), "a tag that already holds code");
    }

    #[test]
    fn a_boot_script_that_would_end_its_tag_is_refused() {
        let html = "<script type=\"module\" async data-js=\"\" data-wasm=\"\"></script>";
        for boot in ["x = '</script>';", "x = '</SCRIPT';", "x = '<!--';"] {
            assert!(index_with_files(html, "/pkg-0123/", "views:5", boot).is_err(), "{boot}");
        }
    }
}
