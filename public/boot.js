// Starts the app. Lives in its own file because the gateway's Content-Security-Policy forbids
// inline script; the build (xtask/src/wasm.rs) writes the file names into the tag's data attributes.
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
const files = new Set();
for (const name of splits) {
  files.add(`split_${name}.wasm`);
  for (const chunk of chunksOf.get(name) || []) files.add(`chunk_${chunk}.wasm`);
}
const base = new URL(tag.dataset.wasm, location.href);
// The splitter's loader (__wasm_split.js, rewritten by xtask/src/split_loader.rs) instantiates
// these modules when the route asks for its code; should one fail here, it fetches it again.
const compiled = new Map();
for (const file of files) {
  const url = new URL(file, base).href;
  const module = WebAssembly.compileStreaming(fetch(url));
  module.catch(() => {});
  compiled.set(url, module);
}
globalThis.__auditdeckCompiledEarly = compiled;

const [{ default: init }, module] = await Promise.all([import(tag.dataset.js), mainModule]);
await init({ module_or_path: module });
