#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of every crate (unit, integration,
# headless kiosk, back office over real TLS and on PostgreSQL, modem on a pty, end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
echo "==> back-office store tests against PostgreSQL (throwaway cluster on 127.0.0.1)"
bash scripts/postgres.sh
echo "==> V4L2 camera path against the kernel's vivid driver in a QEMU guest"
bash tests/vivid/run.sh
