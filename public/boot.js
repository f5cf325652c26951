// Starts the app. The build (xtask/src/wasm.rs) writes this script into index.html's boot tag,
// so it runs as the page is parsed with no file to fetch first, and writes the file names into
// the tag's data attributes; the gateway's Content-Security-Policy allows it by its hash.
const tag = document.querySelector("script[data-wasm]");

// The gateway's /config.json, read now (index.html preloads it): a view's page is made once its
// code and this are in (src/shell/lazy.rs), and read by the main module as it starts, its answer
// came a frame later than the code. The app takes this read once (src/connection/state.rs) and
// reads the file itself, with its own deadline, if this one failed.
globalThis.__auditdeckConfig = fetch("/config.json", { signal: AbortSignal.timeout(10_000) }).then(
  async (response) => ({ status: response.status, body: await response.text() }),
);
globalThis.__auditdeckConfig.catch(() => {});

// The main module, compiled as it arrives (index.html preloads it) rather than once the glue
// has been fetched and run; the glue is handed the compiled module, or fetches the file itself if
// this failed.
const mainModule = WebAssembly.compileStreaming(fetch(tag.dataset.wasm)).catch(() => tag.dataset.wasm);

// The code of the view in the address, fetched and compiled now, beside the main module, rather
// than once the main module has started and routed: a pasted link shows its rows sooner. A view's
// code is its split point's module and the shared chunks it needs (src/shell/lazy.rs; the build
// lists them in data-chunks, xtask/src/route_chunks.rs). The routes are src/shell/app.rs's; a path
// not here loads its code when routed, as before.
const ROUTES = [
  [/^\/ip(\/|$)/, "views"],
  [/^\/users(\/|$)/, "views"],
  [/^\/identity-events$/, "views"],
  [/^\/severity$/, "views"],
  [/^\/events\//, "views"],
  [/^\/signals$/, "views"],
  [/^\/settings$/, "settings"],
  [/^\/verify$/, "verify"],
  [/^\/admin\/access$/, "access_log"],
];
const chunksOf = new Map(
  (tag.dataset.chunks || "").split(";").filter(Boolean).map((entry) => {
    const [name, chunks] = entry.split(":");
    return [name, chunks ? chunks.split(",") : []];
  }),
);
const splits = ROUTES.filter(([path]) => path.test(location.pathname)).map(([, name]) => name);
// The event detail panel (`event=`) is in the views chunk too.
if (new URLSearchParams(location.search).get("event")) splits.push("views");
const base = new URL(tag.dataset.wasm, location.href);
// The splitter's loader (__wasm_split.js, rewritten by xtask/src/split_loader.rs) instantiates
// these modules when the route asks for its code; should one fail here, it fetches it again.
// The split point's own module is compiled as it streams in; its shared chunks come in one file
// (xtask/src/chunk_bundle.rs), not one request each.
const compiled = new Map();
const early = (file, module) => {
  module.catch(() => {});
  compiled.set(new URL(file, base).href, module);
};
for (const name of splits) {
  early(`split_${name}.wasm`, WebAssembly.compileStreaming(fetch(new URL(`split_${name}.wasm`, base))));
  const chunks = (chunksOf.get(name) || []).map((chunk) => `chunk_${chunk}.wasm`);
  if (chunks.length === 0) continue;
  const bundle = fetch(new URL(`chunks_${name}.bin`, base)).then(async (response) => {
    if (!response.ok) throw new Error(`chunks_${name}.bin: ${response.status}`);
    return modulesIn(await response.arrayBuffer());
  });
  for (const file of chunks) {
    if (compiled.has(new URL(file, base).href)) continue;
    early(file, bundle.then((modules) => {
      if (!modules.has(file)) throw new Error(`${file} is not in chunks_${name}.bin`);
      return WebAssembly.compile(modules.get(file));
    }));
  }
}
globalThis.__auditdeckCompiledEarly = compiled;

// chunks_<name>.bin's modules by file name: a count, each name's length, name and module length,
// then the modules (little-endian u32s; xtask/src/chunk_bundle.rs).
function modulesIn(buffer) {
  const view = new DataView(buffer);
  const entries = [];
  let at = 4;
  for (let i = view.getUint32(0, true); i > 0; i--) {
    const length = view.getUint32(at, true);
    const name = new TextDecoder().decode(new Uint8Array(buffer, at + 4, length));
    entries.push([name, view.getUint32(at + 4 + length, true)]);
    at += 8 + length;
  }
  const modules = new Map();
  for (const [name, size] of entries) {
    modules.set(name, new Uint8Array(buffer, at, size));
    at += size;
  }
  return modules;
}

// This script is async and in the page, before the stylesheet, so it asks for the code without
// waiting for a file or the stylesheet; the app mounts into the body, so it starts once the page
// is parsed. The stylesheet still holds the first paint back (it blocks rendering), and the app
// reads no layout before a paint.
const parsed = document.readyState === "loading"
  ? new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }))
  : null;
const [{ default: init }, module] = await Promise.all([import(tag.dataset.js), mainModule, parsed]);
await init({ module_or_path: module });
