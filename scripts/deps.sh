#!/usr/bin/env bash
# Installs what building, testing and running vrs-kiosk needs on Debian 12, and only what
# is missing. Sourced by scripts/test.sh and scripts/demo.sh; safe to run again.
set -euo pipefail

need_apt=()
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$1"); }

# C toolchain and headers for -sys crates (SQLite is bundled; fontconfig for Slint's text).
for p in build-essential pkg-config libfontconfig-dev libclang-dev clang; do want "$p"; done
# Fonts: Noto Sans CJK JP for the kiosk screens (its default-font-family), IPA Gothic for the
# generated tickets, OCR-B for the ticket line.
for p in fonts-noto-cjk fonts-ipafont-gothic fonts-ocr-b fontconfig; do want "$p"; done
# Runtime libraries of the windowed demo (winit on X11).
for p in libxkbcommon-x11-0 libx11-6 libxcursor1 libxrandr2 libxi6; do want "$p"; done
# Headers of the tablet build (vrs-kiosk --features kms: DRM/KMS with libinput), which the
# test command compiles too.
for p in libudev-dev libinput-dev libxkbcommon-dev; do want "$p"; done
for p in ${VRS_EXTRA_APT:-}; do want "$p"; done

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Run this as root (or install these packages yourself): ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Rust: Slint 1.18 needs Rust >= 1.92; Debian 12's rustc is far older, so use rustup's.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "==> Rust is missing: installing it with rustup"
  want curl; want ca-certificates
  if [ ${#need_apt[@]} -gt 0 ]; then apt-get update -qq; apt-get install -y -qq "${need_apt[@]}" >/dev/null; fi
  if ! curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy; then
    echo "Could not install Rust: install rustup (https://rustup.rs) and run 'rustup default stable'." >&2
    exit 1
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt 92 ]; then
  echo "Rust 1.92 or newer is needed (found $(rustc --version)): run 'rustup update stable'." >&2
  exit 1
fi
for c in rustfmt clippy; do
  if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then rustup component add "$c"; else
      echo "cargo $c is missing: run 'rustup component add $c'." >&2; exit 1; fi
  fi
done
