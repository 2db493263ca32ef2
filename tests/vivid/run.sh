#!/usr/bin/env bash
# Runs the V4L2 camera tests (firmware/device/tests/device/vivid.rs, `#[ignore]`d outside
# the guest) against the kernel's virtual video driver, vivid, inside a QEMU guest: this
# machine has no camera and cannot load kernel modules, a guest can. The guest runs them
# with `device --ignored vivid::`.
#
# The guest is a Debian kernel booted directly with a small initramfs (busybox, the vivid
# modules, our test binary and the glibc it links); no root filesystem image is built.
# Kernel and busybox packages are downloaded once into $VRS_VIVID_CACHE
# (default /var/cache/vrs-vivid).
#
# Exit status: 0 when the guest printed the PASS marker and at least one test passed,
# 1 otherwise. The guest withholds PASS after a failed insmod, without a /dev/video* node,
# or when a line of the test output says something was skipped.
# Environment: VRS_VIVID_CACHE, VRS_VIVID_TIMEOUT (seconds for the guest, default 600),
# CARGO_TARGET_DIR (as for cargo).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${VRS_VIVID_CACHE:-/var/cache/vrs-vivid}
guest_timeout=${VRS_VIVID_TIMEOUT:-600}
start=$(date +%s)

log() { echo "vivid: $*" >&2; }

# 1. Tools.
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v cpio >/dev/null || missing+=(cpio)
command -v objcopy >/dev/null || missing+=(binutils)
command -v ldd >/dev/null || missing+=(libc-bin)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# 2. Kernel and busybox, downloaded and unpacked once.
mkdir -p "$cache/debs"
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
if [[ -z "$kpkg" ]]; then
    apt-get update >/dev/null
    kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
fi
[[ -n "$kpkg" ]] || { log "cannot find the Debian kernel package (linux-image-amd64)"; exit 1; }
kver=${kpkg#linux-image-}
kdir="$cache/$kver"
if [[ ! -f "$kdir/ready" ]]; then
    log "fetching $kpkg and busybox-static"
    rm -rf "$kdir" && mkdir -p "$kdir/x"
    (cd "$cache/debs" && apt-get download "$kpkg" busybox-static 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
    kdeb=$(ls "$cache/debs/${kpkg}"_*.deb | tail -n1)
    bdeb=$(ls "$cache/debs/"busybox-static_*.deb | tail -n1)
    dpkg-deb -x "$kdeb" "$kdir/x"
    dpkg-deb -x "$bdeb" "$kdir/busybox"
    cp "$kdir/x/boot/vmlinuz-$kver" "$kdir/vmlinuz"
    # vivid and its dependencies, in load order (dependencies first).
    moddir="$kdir/x/lib/modules/$kver"
    mkdir -p "$kdir/modules"
    declare -A seen=()
    order=()
    modpath() {
        find "$moddir/kernel" -name "$1.ko" -o -name "${1//-/_}.ko" -o -name "${1//_/-}.ko" | head -n1
    }
    visit() {
        local name=$1 file deps d
        [[ -n "${seen[$name]:-}" ]] && return
        seen[$name]=1
        file=$(modpath "$name")
        [[ -n "$file" ]] || { log "module $name not found in $kpkg"; exit 1; }
        deps=$(objcopy -O binary --only-section=.modinfo "$file" /dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p')
        for d in ${deps//,/ }; do visit "$d"; done
        cp "$file" "$kdir/modules/$name.ko"
        order+=("$name")
    }
    visit vivid
    printf '%s\n' "${order[@]}" | grep -vx vivid > "$kdir/modules/order"
    rm -rf "$kdir/x"
    touch "$kdir/ready"
fi

# 3. The test binary.
log "building the device test binary"
cd "$root"
# --workspace: the same feature set as `cargo test --workspace`, so after the normal test
# run this only links one more test binary.
build=(cargo test --workspace --features vrs-device/v4l2 --features vrs-kiosk/automation --test device --no-run)
exe=$("${build[@]}" --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\/device-[0-9a-f]*\)".*/\1/p' | tail -n1 || true)
if [[ -z "$exe" || ! -x "$exe" ]]; then
    "${build[@]}" || true
    log "could not build the device test binary"
    exit 1
fi

# 4. The initramfs: busybox, modules, test binary and its shared libraries.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/root"
mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,modules}
cp "$kdir/busybox/bin/busybox" "$rootfs/bin/busybox"
cp "$kdir/modules/"* "$rootfs/modules/"
cp "$exe" "$rootfs/device"
cp "$here/guest-init.sh" "$rootfs/init"
chmod +x "$rootfs/init"
ldd "$exe" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
done
(cd "$rootfs" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"
log "initramfs $(du -h "$work/initramfs.cpio" | cut -f1), booting $kver under TCG"

# 5. Boot, run, parse the marker.
console="$work/console.log"
set +e
timeout --foreground "$guest_timeout" qemu-system-x86_64 \
    -accel tcg -cpu max -smp 2 -m 1024 \
    -nographic -no-reboot -nodefaults -serial stdio \
    -kernel "$kdir/vmlinuz" -initrd "$work/initramfs.cpio" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4" \
    </dev/null 2>&1 | tee "$console"
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - start ))
if grep -q '^VRS-VIVID-RESULT: PASS' "$console"; then
    # A filter that matches nothing, or a build without the v4l2 feature, runs 0 tests
    # and "passes": that is a failure here.
    if grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$console"; then
        log "PASS in ${elapsed}s"
        exit 0
    fi
    log "FAIL: the guest ran no test"
    exit 1
fi
if [[ "$qemu_rc" == 124 ]]; then
    log "FAIL: the guest did not finish within ${guest_timeout}s"
else
    log "FAIL after ${elapsed}s (see the guest output above)"
fi
exit 1
