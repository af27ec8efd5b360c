#!/usr/bin/env bash
# The benchmark: seeds a company, starts the release build, drives it with wrk on 127.0.0.1
# and prints one table a backend. Every figure of a route is also given as a ratio to
# GET /healthz measured in the same run, because these machines are shared and noisy.
#
#   bench/run.sh [EMPLOYEES] [BACKENDS]
#     EMPLOYEES  people employed (default 100000; 30% as many former employees are added)
#     BACKENDS   "sqlite postgres" (default), or one of them
#   BENCH_SECONDS   seconds of load per route (default 10)
#   BENCH_OBLIGATIONS, BENCH_DELIVERIES   size of the planner and delivery runs
#                   (default 200000 active obligations, 2000 emails)
#   TUOMI_TEST_POSTGRES_URL   the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
employees="${1:-100000}"
backends="${2:-sqlite postgres}"
seconds="${BENCH_SECONDS:-10}"
obligations="${BENCH_OBLIGATIONS:-200000}"
deliveries="${BENCH_DELIVERIES:-2000}"
pg_admin="${TUOMI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
source bench/common.sh

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
cargo build --release --quiet --bin tuomi --example bench_reminders
tuomi="$PWD/target/release/tuomi"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

row() { printf '%-10s | %-52s | %10s | %8s | %9s | %9s\n' "$@" | tee -a "$results"; }

# wrk's requests a second and its 50th and 99th percentile latencies, for one URL.
load() {
  local url="$1"
  wrk -t1 -c8 -d"${seconds}s" --latency -H "Cookie: $cookie" "$url" |
    awk '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx/ {bad=$4}
         END {if (bad) {print "ERR", bad, ""} else {print rps, p50, p99}}'
}

for backend in $backends; do
  dir="$(mktemp -d)"
  case "$backend" in
    sqlite) url="sqlite://$dir/tuomi.db" ;;
    postgres)
      name="tuomi_bench_$$"
      psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
      url="${pg_admin%/*}/$name" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  export TUOMI_DATABASE_URL="$url" TUOMI_DATA_DIR="$dir" TUOMI_LOG=warn TUOMI_JOBS=off
  echo "== $backend: seeding $employees employees" >&2
  seed_out="$("$tuomi" dev seed --employees "$employees")"
  echo "$seed_out" >&2
  seed_rate="$(echo "$seed_out" | sed -n 's/.*(\([0-9]*\) rows\/s).*/\1/p')"
  add_hr "$tuomi"
  # As autovacuum leaves a settled database: statistics, and the visibility map that lets
  # index-only scans skip the table.
  if [ "$backend" = postgres ]; then psql -q "$url" -c "VACUUM ANALYZE"; fi

  serve "$tuomi" "$dir"

  echo >&2
  row "$backend" "measure" "req/s" "ratio" "p50" "p99"
  read -r base_rps p50 p99 < <(load "$base/healthz")
  row "$backend" "GET /healthz (baseline)" "$base_rps" "1.00" "$p50" "$p99"
  for path in \
    "/api/v1/obligations?ending_within_days=90" \
    "/api/v1/employees?q=%E7%8E%8B" \
    "/api/v1/departures?status=in_progress" \
    "/" \
    "/departures/$departure"; do
    read -r rps p50 p99 < <(load "$base$path")
    label="GET $path"
    case "$path" in
      /) label="GET / (HR dashboard page)" ;;
      /departures/*) label="GET /departures/{id} (page, 30 lines)" ;;
    esac
    ratio="$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.4f", a / b }')"
    row "$backend" "$label" "$rps" "$ratio" "$p50" "$p99"
  done
  rss_kb="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  row "$backend" "peak RSS of the service under load" "$((rss_kb / 1024)) MB" "" "" ""
  row "$backend" "start-up to ready with the data set" "${ready}s" "" "" ""
  row "$backend" "dev seed" "$seed_rate rows/s" "" "" ""

  echo "== $backend: planner and delivery ($obligations obligations, $deliveries emails)" >&2
  extra=""; [ "$backend" = postgres ] && extra=postgres
  bench_out="$(target/release/examples/bench_reminders "$obligations" "$deliveries" $extra)"
  echo "$bench_out" >&2
  planner="$(echo "$bench_out" | sed -n 's/^RESULT planner_seconds=\([0-9.]*\) bare_insert_seconds=\([0-9.]*\) unindexed_insert_seconds=\([0-9.]*\)/\1 \2 \3/p')"
  read -r plan_s bare_s unindexed_s <<<"$planner"
  row "$backend" "planner: quarter day / bare insert, same indexes (s)" "$plan_s" \
    "$(awk -v a="$bare_s" -v b="$plan_s" 'BEGIN { printf "%.2f", a / b }')" "$bare_s" ""
  row "$backend" "planner: quarter day / bare insert, no index (s)" "$plan_s" \
    "$(awk -v a="$unindexed_s" -v b="$plan_s" 'BEGIN { printf "%.2f", a / b }')" "$unindexed_s" ""
  delivery="$(echo "$bench_out" | sed -n 's/^RESULT delivery_per_second=\([0-9.]*\) bare_lettre_per_second=\([0-9.]*\)/\1 \2/p')"
  read -r sent_rate bare_rate <<<"$delivery"
  row "$backend" "delivery: emails/s / bare lettre loop" "$sent_rate" \
    "$(awk -v a="$sent_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", a / b }')" "$bare_rate" ""

  if [ "$backend" = postgres ]; then psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"; fi
  rm -rf "$dir"
done

echo
echo "== results (ratio: to the baseline's req/s; for planner and delivery, to the bare run)"
cat "$results"
