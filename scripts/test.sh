#!/usr/bin/env bash
# The whole test suite: formatting, lints, docs, and every test of every crate (unit,
# integration, headless kiosk, back office over real TLS and on PostgreSQL, modem on a pty,
# end to end), then the tablet build of the kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check
# `automation` (HeadlessKiosk acting through the screens, --walkthrough) is asked for by name:
# kiosk-ui's own screen tests require it and would otherwise be skipped without a word
# whenever nothing else in the build happened to turn it on.
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked --features vrs-kiosk/automation -- -D warnings
echo "==> cargo doc -D warnings (a broken intra-doc link fails the run)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --features vrs-kiosk/automation
echo "==> cargo test"
cargo test --workspace --locked --features vrs-kiosk/automation
echo "==> back-office store tests against PostgreSQL (throwaway cluster on 127.0.0.1)"
bash scripts/postgres.sh

# What the tablet image ships: DRM/KMS, no desktop window, no automation, no testing backend.
tablet=(-p vrs-kiosk --no-default-features --features kms --locked)
echo "==> the tablet build: vrs-kiosk ${tablet[*]:1}"
if cargo tree "${tablet[@]}" -e normal --prefix none | grep -q '^i-slint-backend-testing '; then
  echo "the tablet build of vrs-kiosk depends on Slint's testing backend" >&2
  exit 1
fi
cargo clippy "${tablet[@]}" -- -D warnings
cargo build "${tablet[@]}"
echo "==> V4L2 camera path against the kernel's vivid driver in a QEMU guest"
bash tests/vivid/run.sh
