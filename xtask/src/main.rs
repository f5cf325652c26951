//! `cargo xtask serve` and `cargo xtask test`: install what is missing (idempotently), build,
//! run. Everything a fresh machine with only rustup and cargo needs is set up from here.
//! `cargo xtask wasm` is the wasm half of `trunk build` (see wasm.rs).

mod chunk_bundle;
mod glue;
mod precompress;
mod route_chunks;
mod split_loader;
mod wasm;

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
/// The `wasm-opt` crate release that builds binaryen 116 (Debian's binaryen 108 breaks the wasm).
const WASM_OPT_CRATE_VERSION: &str = "0.116.1";
const WASM_OPT_BINARYEN: &str = "version_116";
/// The wasm splitter (`wasm-split-cli`), the one leptos' own build tool uses for lazy routes.
const WASM_SPLIT_CRATE: &str = "wasm_split_cli_support";
const WASM_SPLIT_VERSION: &str = "0.2.4";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The accessibility checker the browser tests inject (from the npm registry).
const AXE_CORE_VERSION: &str = "4.11.0";
const OIDC_PROVIDER_VERSION: &str = "9.13.3";

const USAGE: &str = "usage:
  cargo xtask serve [--port N] [--bind ADDR] [--config FILE] [--iden-rate-limit N]
      install the toolchain if needed, build the app (release), start the gateway
  cargo xtask test
      install the toolchain and Chromium if needed; fmt, clippy, native tests,
      release build, browser end-to-end tests
  cargo xtask bench
      install what is missing, build the app (release), measure it in headless Chromium
      and the gateway under load; print the figures and write target/bench.json
  cargo xtask wasm
      trunk's post_build hook (not run by hand): build, split, bind and optimise the wasm";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") if args.len() == 1 => test(),
        Some("bench") if args.len() == 1 => bench(),
        Some("wasm") if args.len() == 1 => wasm::build(),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unknown arguments: {}\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Cargo's bin directory goes first on PATH: tools installed by `cargo install` must win over
/// any system copy (Debian's wasm-opt), or trunk sees the wrong version and tries to download.
fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

fn tool_path() -> OsString {
    let mut paths = vec![cargo_bin_dir()];
    if let Some(existing) = env::var_os("PATH") {
        paths.extend(env::split_paths(&existing));
    }
    env::join_paths(paths).unwrap_or_default()
}

fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.env("PATH", tool_path()).current_dir(workspace_root());
    c
}

fn run(mut c: Command) -> Result<(), String> {
    let shown = format!("{c:?}");
    let status = c.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed ({status})")) }
}

/// What `program args` prints, or None when it is not installed or fails.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = command(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn step(what: &str) {
    println!("xtask: {what}");
}

// ---------------------------------------------------------------- tool installation

fn wasm_bindgen_version_in_lock() -> Result<String, String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(&format!("installing the {WASM_TARGET} target"));
    let mut c = command("rustup");
    c.args(["target", "add", WASM_TARGET]);
    run(c)
}

fn ensure_trunk() -> Result<(), String> {
    if output_of("trunk", &["--version"]).is_some_and(|v| v.trim() == format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    step(&format!("installing trunk {TRUNK_VERSION} (takes about 9 minutes, once)"));
    let mut c = command("cargo");
    c.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]);
    run(c)
}

fn ensure_wasm_bindgen() -> Result<(), String> {
    // The CLI must be the exact version of the wasm-bindgen crate the app links.
    let version = wasm_bindgen_version_in_lock()?;
    if output_of("wasm-bindgen", &["--version"]).is_some_and(|v| v.trim() == format!("wasm-bindgen {version}")) {
        return Ok(());
    }
    step(&format!("installing wasm-bindgen-cli {version}"));
    // Not --locked: the CLI's own lock pins a crate version this registry lacks.
    let mut c = command("cargo");
    c.args(["install", "wasm-bindgen-cli", "--version", &version, "--force"]);
    run(c)
}

fn ensure_wasm_opt() -> Result<(), String> {
    let own = cargo_bin_dir().join("wasm-opt");
    let ok = own.is_file()
        && output_of(&own.to_string_lossy(), &["--version"])
            .is_some_and(|v| v.contains(&format!("({WASM_OPT_BINARYEN})")));
    if ok {
        return Ok(());
    }
    step("installing wasm-opt (binaryen 116) from crates.io");
    let mut c = command("cargo");
    c.args(["install", "wasm-opt", "--version", WASM_OPT_CRATE_VERSION, "--locked", "--force"]);
    run(c)
}

fn ensure_wasm_split() -> Result<(), String> {
    let installed = output_of("cargo", &["install", "--list"]).unwrap_or_default();
    if installed.lines().any(|l| l.starts_with(&format!("{WASM_SPLIT_CRATE} v{WASM_SPLIT_VERSION}:"))) {
        return Ok(());
    }
    step(&format!("installing wasm-split-cli ({WASM_SPLIT_CRATE} {WASM_SPLIT_VERSION}) from crates.io"));
    let mut c = command("cargo");
    c.args(["install", WASM_SPLIT_CRATE, "--version", WASM_SPLIT_VERSION, "--features", "build-binary", "--locked"]);
    run(c)
}

fn ensure_build_tools() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()?;
    ensure_wasm_split()
}

fn on_path(program: &str) -> bool {
    env::split_paths(&tool_path()).any(|dir| dir.join(program).is_file())
}

fn ensure_chromium() -> Result<(), String> {
    if on_path("chromium") && on_path("chromedriver") {
        return Ok(());
    }
    step("installing chromium and chromium-driver with apt-get");
    let can_apt = on_path("apt-get");
    let is_root = output_of("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    if !(can_apt && is_root) {
        return Err("the browser tests need Chromium and ChromeDriver (/usr/bin/chromium, chromedriver). \
             Install them (Debian: `apt-get install chromium chromium-driver`, as root) and run again."
            .into());
    }
    let mut update = command("apt-get");
    update.arg("update").env("DEBIAN_FRONTEND", "noninteractive");
    run(update)?;
    let mut install = command("apt-get");
    install
        .args(["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(install).map_err(|e| format!("{e}: could not install Chromium; install chromium and chromium-driver by hand"))
}

/// An npm package the browser tests use, installed from the npm registry into `target/`:
/// its name, version, the file the tests read, and what they need it for.
struct NpmPackage {
    name: &'static str,
    version: &'static str,
    entry: &'static str,
    used_for: &'static str,
}

/// axe-core for the accessibility audit (the tests read `AUDITDECK_AXE`).
const AXE: NpmPackage = NpmPackage {
    name: "axe-core",
    version: AXE_CORE_VERSION,
    entry: "axe.min.js",
    used_for: "the accessibility audit",
};

/// The certified OpenID provider the sign-in tests run (they read `AUDITDECK_OIDC_PROVIDER`).
const OIDC_PROVIDER: NpmPackage = NpmPackage {
    name: "oidc-provider",
    version: OIDC_PROVIDER_VERSION,
    entry: "lib/index.js",
    used_for: "the sign-in tests' OpenID provider",
};

impl NpmPackage {
    fn path(&self) -> PathBuf {
        workspace_root()
            .join(format!("target/{}-{}/node_modules/{}/{}", self.name, self.version, self.name, self.entry))
    }

    fn ensure(&self) -> Result<(), String> {
        if self.path().is_file() {
            return Ok(());
        }
        step(&format!("installing {} {} from the npm registry", self.name, self.version));
        if !on_path("npm") {
            return Err(format!(
                "{} needs {} from the npm registry: install Node.js and npm (Debian: `apt-get install npm`) and run again",
                self.used_for, self.name
            ));
        }
        let prefix = workspace_root().join(format!("target/{}-{}", self.name, self.version));
        let mut install = command("npm");
        install
            .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
            .arg(&prefix)
            .arg(format!("{}@{}", self.name, self.version));
        run(install)
    }
}

fn trunk_build() -> Result<(), String> {
    let mut c = command("trunk");
    c.args(["build", "--release", "--offline"]);
    run(c)
}

// ---------------------------------------------------------------- commands

fn serve(args: &[String]) -> Result<(), String> {
    let mut server_args = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--port" | "--bind" | "--config" | "--iden-rate-limit" => {
                let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
                server_args.push(flag.clone());
                server_args.push(value.clone());
            }
            other => return Err(format!("unknown serve flag {other}\n{USAGE}")),
        }
    }
    ensure_build_tools()?;
    step("building the app (release)");
    trunk_build()?;
    step("building the gateway (release)");
    let mut build = command("cargo");
    build.args(["build", "--release", "--package", "auditdeck-server"]);
    run(build)?;
    let binary = workspace_root().join("target/release/auditdeck-server");
    let mut server = command(&binary.to_string_lossy());
    server.arg("--dist").arg(workspace_root().join("dist")).args(&server_args);
    exec(server)
}

/// Replaces this process with the gateway, so Ctrl-C reaches it directly and it shuts down
/// gracefully.
#[cfg(unix)]
fn exec(mut c: Command) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    Err(format!("cannot start the gateway: {}", c.exec()))
}

#[cfg(not(unix))]
fn exec(c: Command) -> Result<(), String> {
    run(c)
}

/// Figures, not verdicts: prints the table and writes `target/bench.json`.
fn bench() -> Result<(), String> {
    ensure_build_tools()?;
    ensure_chromium()?;
    step("building the app (release)");
    trunk_build()?;
    step("measuring (several minutes: 100,000 rows are loaded through the sandbox)");
    let mut c = command("cargo");
    c.args(["bench", "--package", "auditdeck", "--features", "e2e", "--bench", "browser"]);
    c.env("AUDITDECK_DIST", workspace_root().join("dist"));
    run(c)
}

/// One named step of `cargo xtask test`.
type Step = Box<dyn Fn() -> Result<(), String>>;

fn test() -> Result<(), String> {
    let started = Instant::now();
    let cargo = |args: &[&str]| {
        let mut c = command("cargo");
        c.args(args);
        c
    };
    let steps: Vec<(&str, Step)> = vec![
        (
            "install tools",
            Box::new(|| {
                ensure_build_tools()
                    .and_then(|_| ensure_chromium())
                    .and_then(|_| AXE.ensure())
                    .and_then(|_| OIDC_PROVIDER.ensure())
            }),
        ),
        ("cargo fmt --check", Box::new(move || run(cargo(&["fmt", "--all", "--check"])))),
        (
            "cargo clippy",
            Box::new(move || {
                run(cargo(&["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"]))
            }),
        ),
        ("native tests", Box::new(move || run(cargo(&["test", "--workspace"])))),
        (
            // What production runs: the gateway without the sandbox builds, and its tests pass.
            "gateway without the sandbox",
            Box::new(move || {
                let production = ["--package", "auditdeck-server", "--no-default-features", "--lib", "--bins"];
                run(cargo(&[&["clippy"][..], &production, &["--", "-D", "warnings"]].concat()))?;
                run(cargo(&[&["test"][..], &production[..]].concat()))
            }),
        ),
        ("trunk build --release", Box::new(trunk_build)),
        (
            "browser end-to-end tests",
            Box::new(move || {
                let mut c = cargo(&["test", "--package", "auditdeck", "--features", "e2e", "--test", "e2e"]);
                c.env("AUDITDECK_DIST", workspace_root().join("dist"));
                c.env("AUDITDECK_AXE", AXE.path());
                c.env("AUDITDECK_OIDC_PROVIDER", OIDC_PROVIDER.path());
                run(c)
            }),
        ),
    ];
    let mut report = Vec::new();
    let mut failed = None;
    for (name, action) in &steps {
        if failed.is_some() {
            report.push(format!("  skipped  {name}"));
            continue;
        }
        println!("\nxtask: ── {name}");
        let t = Instant::now();
        match action() {
            Ok(()) => report.push(format!("  ok       {name} ({:.0} s)", t.elapsed().as_secs_f64())),
            Err(e) => {
                report.push(format!("  FAILED   {name}: {e}"));
                failed = Some(name.to_string());
            }
        }
    }
    let passed = report.iter().filter(|l| l.starts_with("  ok")).count();
    println!("\nxtask test summary ({:.0} s):", started.elapsed().as_secs_f64());
    for line in &report {
        println!("{line}");
    }
    println!("steps: {passed} passed, {} failed", usize::from(failed.is_some()));
    match failed {
        None => Ok(()),
        Some(name) => Err(format!("step failed: {name}")),
    }
}
