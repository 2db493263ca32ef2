//! Compiles the `.slint` screens. Debug info keeps element ids and accessible labels
//! reachable for `HeadlessKiosk` and the `--walkthrough` mode.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/kiosk-window.slint", config) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
