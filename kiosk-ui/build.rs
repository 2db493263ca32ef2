//! Compiles the `.slint` screens and fixes, at build time, where the About dialog says the
//! source of this build is.
//!
//! * `VRS_SOURCE_URL`: where the source of this build is published; the image recipe sets
//!   it. Without it the dialog names the source tree this build was made from (a development
//!   build's source is that checkout), never a made-up address. The crate reads the value as
//!   `env!("VRS_SOURCE_URL")` (`config::SOURCE_URL`).
//! * With the `automation` feature the screens keep their debug info (element ids), for
//!   Slint's testing backend that `HeadlessKiosk` and `--walkthrough` act through; the tablet
//!   build does without.

use std::env::{self, VarError};
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-env-changed=VRS_SOURCE_URL");
    let source = match env::var("VRS_SOURCE_URL") {
        Ok(url) if url.trim().is_empty() || url.contains(['\n', '\r']) => {
            fail("VRS_SOURCE_URL is set but is not one line naming where the source is")
        }
        Ok(url) => url,
        Err(VarError::NotPresent) => source_tree(),
        Err(VarError::NotUnicode(_)) => fail("VRS_SOURCE_URL is not valid UTF-8"),
    };
    println!("cargo::rustc-env=VRS_SOURCE_URL={source}");

    let automation = env::var_os("CARGO_FEATURE_AUTOMATION").is_some();
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(automation);
    if let Err(e) = slint_build::compile_with_config("ui/kiosk-window.slint", config) {
        fail(&e.to_string());
    }
}

/// The workspace this crate is built in (its parent directory), as an absolute path.
fn source_tree() -> String {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let manifest_dir = Path::new(&manifest_dir);
    manifest_dir
        .parent()
        .unwrap_or(manifest_dir)
        .display()
        .to_string()
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}
