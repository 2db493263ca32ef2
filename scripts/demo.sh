#!/usr/bin/env bash
# The demo: a back office on embedded SQLite and one kiosk tablet fed by recorded (generated)
# camera frames and a simulated LTE modem. With a display the kiosk opens in a window; without
# one it says so, runs headless through a whole registration and writes screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

data=${VRS_DEMO_DIR:-$PWD/demo-data}
port=${VRS_DEMO_PORT:-8443}
serial=VRS-DEMO-0001
imei=490154203237518
login=demo
password=demo-password-2021
municipality=131016

echo "==> building (first time: several minutes)"
# vrs-kiosk with `automation`: the headless run below is --walkthrough.
cargo build --locked -p vrs-provisioning -p vrs-kiosk -p vrs-ticket-gen -p vrs-modem-sim --bins \
  --features vrs-kiosk/automation
bin=target/debug

rm -rf "$data"
mkdir -p "$data"
db="sqlite:$data/backoffice.db"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "==> back office on https://127.0.0.1:$port (SQLite: $data/backoffice.db)"
"$bin/vrs-provision" ca-cert --state-dir "$data/backoffice" > "$data/factory-ca.pem"
"$bin/vrs-provision" serve --db "$db" --listen "127.0.0.1:$port" --state-dir "$data/backoffice" \
  > "$data/backoffice.log" 2>&1 &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 100); do
  grep -q "listening" "$data/backoffice.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/backoffice.log" >&2; exit 1; }
  sleep 0.1
done

echo "==> logistics registers the tablet; Chiyoda sets up a venue and a staff account"
"$bin/vrs-provision" device register --db "$db" --serial "$serial" --imei "$imei"
"$bin/vrs-provision" venue add --db "$db" --municipality "$municipality" --name "千代田区役所 集団接種会場" >/dev/null
"$bin/vrs-provision" venue add --db "$db" --municipality "$municipality" --name "神田クリニック" >/dev/null
printf '%s\n' "$password" | "$bin/vrs-provision" account add --db "$db" --municipality "$municipality" --login "$login"

echo "==> recording camera frames: three tickets passing under the camera"
"$bin/vrs-ticket-gen" sequence --out "$data/frames" --seed 2021 \
  --payload 121310160000012345 --payload 131311300000000042 --payload 210110020000000001 >/dev/null

echo "==> simulated LTE modem"
"$bin/vrs-modem-sim" --link "$data/modem" > "$data/modem.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "$data/modem" ] && break; sleep 0.1; done

kiosk=("$bin/vrs-kiosk" --state-dir "$data/tablet" --server "https://127.0.0.1:$port"
  --factory-ca "$data/factory-ca.pem" --serial "$serial" --imei "$imei"
  --camera "replay:$data/frames@8" --modem "$data/modem" --apn "vrs.demo")
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "==> no display here: running the kiosk headless through one registration;"
  echo "    screenshots go to $data/screenshots"
  kiosk+=(--headless --screenshots "$data/screenshots" --walkthrough "$login:$password")
fi
"${kiosk[@]}" &
kiosk_pid=$!
pids+=($kiosk_pid)

echo "==> waiting for the tablet to enroll, then the central office activates it for 千代田区"
enrolled=
for _ in $(seq 600); do
  "$bin/vrs-provision" device list --db "$db" | grep -q awaiting_activation && { enrolled=1; break; }
  kill -0 "$kiosk_pid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$enrolled" ]; then
  echo "the tablet did not enroll; back office log:" >&2
  tail -n 20 "$data/backoffice.log" >&2
  exit 1
fi
"$bin/vrs-provision" device activate --db "$db" --serial "$serial" --municipality "$municipality"
echo "    log in as '$login' with password '$password'"

wait "$kiosk_pid" || { echo "the kiosk stopped with an error (see above)" >&2; exit 1; }
echo "==> records received by the back office (filed under each ticket's municipality):"
"$bin/vrs-provision" records count --db "$db"
for code in 131016 131130 011002; do
  "$bin/vrs-provision" records export --db "$db" --municipality "$code" | tail -n +2
done
