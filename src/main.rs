fn main() {
    auditdeck::shell::panic_report::install();
    leptos::mount::mount_to_body(auditdeck::shell::app::App);
}
