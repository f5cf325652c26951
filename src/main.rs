fn main() {
    auditdeck::panic_report::install();
    leptos::mount::mount_to_body(auditdeck::app::App);
}
