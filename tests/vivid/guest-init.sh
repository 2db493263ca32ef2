#!/bin/busybox sh
# PID 1 of the QEMU guest that tests/vivid/run.sh boots: loads vivid, runs the camera
# tests against it, prints one result marker and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

for m in $(cat /modules/order); do
    insmod "/modules/$m.ko" || echo "VRS-VIVID: insmod $m failed"
done
# Default node types: capture, output, VBI, radio, SDR, metadata, touch. The tests must
# pick the capture node among them.
insmod /modules/vivid.ko n_devs=1 || echo "VRS-VIVID: insmod vivid failed"

cat > /bin/reload-vivid <<'RELOAD'
#!/bin/sh
rmmod vivid && insmod /modules/vivid.ko n_devs=1
RELOAD
chmod +x /bin/reload-vivid

i=0
while [ ! -e /dev/video0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ls -l /dev/video* /dev/v4l-* /dev/vbi* /dev/radio* /dev/swradio* 2>/dev/null

echo "VRS-VIVID: running camera tests"
VRS_VIVID_RELOAD=/bin/reload-vivid RUST_BACKTRACE=1 RUST_LOG=vrs_device=info \
    /camera_vivid --test-threads=1 --nocapture
rc=$?
if [ "$rc" = 0 ]; then
    echo "VRS-VIVID-RESULT: PASS"
else
    echo "VRS-VIVID-RESULT: FAIL (test exit code $rc)"
fi
sync
poweroff -f
