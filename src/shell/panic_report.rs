//! A panic in wasm stops the whole app, leaving a page that looks alive but no longer answers.
//! The hook says so on the page itself (and in the console), so nobody keeps reading a dead
//! view, and browser tests fail on any panic.

/// The element the report goes into; tests look for it.
pub const REPORT_ID: &str = "panic-report";

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Ok(report), Some(body)) = (document.create_element("div"), document.body()) else { return };
    report.set_id(REPORT_ID);
    let _ = report.set_attribute("role", "alert");
    report.set_text_content(Some(&format!(
        "Auditdeck stopped on an internal error and no longer responds. Reload the page: the view is in \
         its URL. Please report this message: {message}"
    )));
    let _ = body.append_child(&report);
}
