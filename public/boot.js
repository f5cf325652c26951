// Starts the app. Lives in its own file because the gateway's Content-Security-Policy forbids
// inline script; the build (xtask/src/wasm.rs) writes the file names into the tag's data attributes.
const tag = document.querySelector("script[data-wasm]");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
