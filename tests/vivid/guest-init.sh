#!/bin/busybox sh
# PID 1 of the QEMU guest that tests/vivid/run.sh boots: loads vivid, runs the camera
# tests against it, prints one result marker and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

# Every step that the run needs marks it failed; PASS is printed only when none did.
failed=
for m in $(cat /modules/order); do
    insmod "/modules/$m.ko" || { echo "VRS-VIVID: insmod $m failed"; failed=1; }
done
# Default node types: capture, output, VBI, radio, SDR, metadata, touch. The tests must
# pick the capture node among them.
insmod /modules/vivid.ko n_devs=1 || { echo "VRS-VIVID: insmod vivid failed"; failed=1; }

cat > /bin/reload-vivid <<'RELOAD'
#!/bin/sh
rmmod vivid && insmod /modules/vivid.ko n_devs=1
RELOAD
chmod +x /bin/reload-vivid

i=0
while [ ! -e /dev/video0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ls -l /dev/video* /dev/v4l-* /dev/vbi* /dev/radio* /dev/swradio* 2>/dev/null
if ! ls /dev/video* >/dev/null 2>&1; then
    echo "VRS-VIVID: no /dev/video* node after loading vivid"
    failed=1
fi

echo "VRS-VIVID: running camera tests"
# The vivid tests are #[ignore]d outside this guest; here they all run.
( VRS_VIVID_RELOAD=/bin/reload-vivid RUST_BACKTRACE=1 RUST_LOG=vrs_device=info \
    /device --ignored --test-threads=1 --nocapture vivid::
  echo $? > /tmp/rc ) 2>&1 | tee /tmp/tests.log
rc=$(cat /tmp/rc)
if grep -iE 'skipp(ed|ing)' /tmp/tests.log > /tmp/skipped; then
    echo "VRS-VIVID: the test output says something was skipped:"
    cat /tmp/skipped
    failed=1
fi
if [ "$rc" = 0 ] && [ -z "$failed" ]; then
    echo "VRS-VIVID-RESULT: PASS"
else
    echo "VRS-VIVID-RESULT: FAIL (test exit code $rc)"
fi
sync
poweroff -f
