#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: installs Debian's `postgresql` when
# its server binaries are missing, makes a cluster in a temporary directory, starts it on a
# free port of 127.0.0.1 (and a unix socket in that directory; no system service), exports
# VRS_TEST_POSTGRES_URL (superuser, no password), runs the command, then stops the cluster
# and removes the directory, whatever the command did.
#
#   bash scripts/postgres.sh                # the back office's PostgreSQL tests
#   bash scripts/postgres.sh COMMAND [ARG]… # anything else, e.g. a shell: bash
#
# Without a command it runs the ignored `postgres` tests of the back-office test binary and
# fails when none ran. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

server_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

bin=$(server_bin)
if [ -z "$bin" ]; then
  echo "==> installing PostgreSQL from Debian"
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is missing: run this as root, or install Debian's postgresql package yourself." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(server_bin)
  [ -n "$bin" ] || { echo "postgresql installed, but no initdb under /usr/lib/postgresql" >&2; exit 1; }
fi

# The server refuses to run as root: as root, run it as the package's `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
  as_db() { runuser -u postgres -- "$@"; }
else
  as_db() { "$@"; }
fi

# In /tmp, not $TMPDIR: as root, the postgres user must be able to reach it.
dir=$(mktemp -d /tmp/vrs-postgres.XXXXXX)
cleanup() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_db "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
      as_db "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$dir/socket"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi

as_db "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# A free port: try a few random ones (the check and the start race only with another
# cluster starting at the same moment, and then the next try wins).
started=
for _ in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  # Durability is pointless in a cluster that is thrown away: skip the fsyncs.
  if as_db "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-k $dir/socket -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    started=yes
    break
  fi
done
if [ -z "$started" ]; then
  echo "PostgreSQL did not start:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi
export VRS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "==> PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"

if [ $# -gt 0 ]; then
  "$@"
else
  # `--workspace`, not `-p vrs-provisioning`: the same feature set as scripts/test.sh's
  # `cargo test --workspace`, so this reuses its build instead of recompiling the tokio
  # stack with one package's features (about a minute and a half on two cores).
  cargo test --workspace --features vrs-kiosk/automation --test backoffice --locked -- --ignored postgres 2>&1 |
    tee "$dir/test.log"
  if ! grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$dir/test.log"; then
    echo "no PostgreSQL test ran (is the filter 'postgres' still in their names?)" >&2
    exit 1
  fi
fi
