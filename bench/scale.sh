#!/usr/bin/env bash
# A page costs the same whatever the size of the company: seeds a small and a large company
# (1,000 and 100,000 employees by default) on each backend, serves both at once, and times
# every route interleaved (bench/scale.py): median and p99 at both sizes, the growth and the
# statements each route ran. Exits non-zero when a route's median grows more than 1.5x.
# A benchmark, not a test: run it with `nice` on a shared machine.
#
#   bench/scale.sh [BACKENDS]
#     BACKENDS       "sqlite postgres" (default), or one of them
#   SCALE_SIZES      the two company sizes (default "1000 100000")
#   SCALE_DATA       where the seeded databases are kept and reused (default
#                    ${TMPDIR:-/tmp}/tuomi-scale; delete it to seed again)
#   SCALE_ROUNDS, SCALE_CLIENTS, SCALE_GROWTH   see bench/scale.py (200, 4, 1.5)
#   TUOMI_BIN        the binary (default: target/release/tuomi, built if missing)
#   TUOMI_TEST_POSTGRES_URL   the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
backends="${1:-sqlite postgres}"
read -r small large <<<"${SCALE_SIZES:-1000 100000}"
data="${SCALE_DATA:-${TMPDIR:-/tmp}/tuomi-scale}"
pg_admin="${TUOMI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
source bench/common.sh

tuomi="${TUOMI_BIN:-$PWD/target/release/tuomi}"
if [ ! -x "$tuomi" ]; then cargo build --release --quiet --bin tuomi; fi
export TUOMI_LOG=warn TUOMI_JOBS=off TUOMI_METRICS_TOKEN="scale benchmark metrics token"
mkdir -p "$data"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# database BACKEND N: sets url and dir for a company of N employees, seeding it once.
database() {
  local backend="$1" n="$2"
  dir="$data/$backend-$n"
  mkdir -p "$dir"
  case "$backend" in
    sqlite) url="sqlite://$dir/tuomi.db" ;;
    postgres) url="${pg_admin%/*}/tuomi_scale_$n" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  export TUOMI_DATABASE_URL="$url" TUOMI_DATA_DIR="$dir"
  if [ ! -e "$dir/seeded" ]; then
    if [ "$backend" = postgres ]; then
      psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS tuomi_scale_$n" -c "CREATE DATABASE tuomi_scale_$n"
    else
      rm -f "$dir"/tuomi.db*
    fi
    echo "== $backend: seeding $n employees" >&2
    local started=$SECONDS
    "$tuomi" dev seed --employees "$n" | tail -1 >&2
    add_hr "$tuomi"
    echo "$((SECONDS - started)) s" >"$dir/seeded"
  fi
  "$tuomi" migrate >/dev/null 2>&1 || true
  # As autovacuum leaves a settled database: statistics, and the visibility map.
  if [ "$backend" = postgres ]; then psql -q "$url" -c "VACUUM ANALYZE"; fi
}

# The first id a JSON list answers.
first_id() {
  curl -fs -b "$cookie_jar" "$base$1" | sed -n 's/^{"items":\[{"id":"\([^"]*\)".*/\1/p;s/.*"items":\[{"id":"\([^"]*\)".*/\1/p' | head -1
}

for backend in $backends; do
  args=()
  for n in $small $large; do
    database "$backend" "$n"
    serve "$tuomi" "$dir"
    pids+=("$pid")
    cookie_jar="$dir/cookies"
    ids="employee=$(first_id '/api/v1/employees?per_page=1'),departure=$departure"
    ids="$ids,obligation=$(first_id '/api/v1/obligations?per_page=1')"
    ids="$ids,carrier=$(first_id '/api/v1/carriers?per_page=1')"
    ids="$ids,reminder=$(first_id '/api/v1/reminders?per_page=1')"
    args+=("$base" "$cookie" "$ids")
  done
  echo "== $backend: $small against $large employees ($(cat "$data/$backend-$large/seeded") to seed the large one)"
  status=0
  python3 bench/scale.py "${args[@]}" || status=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
  if [ "$status" -ne 0 ]; then failed=1; fi
done
exit "${failed:-0}"
