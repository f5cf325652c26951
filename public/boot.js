// Starts the app. Lives in its own file because the gateway's Content-Security-Policy forbids
// inline script; trunk's pattern_script passes the hashed file names as data attributes.
const tag = document.querySelector("script[data-wasm]");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
