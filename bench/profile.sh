#!/usr/bin/env bash
# Where the time of one route goes: serves a seeded SQLite company (kept in
# target/bench-profile/<EMPLOYEES> for the next run), drives PATH with wrk for 5 seconds
# while `perf` samples the service with call stacks, and prints the functions that hold
# the most time (self, and with their callees).
#
#   bench/profile.sh PATH [EMPLOYEES]
#     PATH       e.g. "/api/v1/employees?q=%E7%8E%8B", "/" or "/departures/{departure}"
#                ({departure}: a departure in progress, with its 30 lines)
#     EMPLOYEES  default 100000
set -euo pipefail
cd "$(dirname "$0")/.."
path="$1"
employees="${2:-100000}"
source bench/common.sh
for tool in wrk perf; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk linux-perf; }
done
cargo build --release --quiet --bin tuomi
tuomi="$PWD/target/release/tuomi"
dir="$PWD/target/bench-profile/$employees"
export TUOMI_DATABASE_URL="sqlite://$dir/tuomi.db" TUOMI_DATA_DIR="$dir" TUOMI_LOG=warn TUOMI_JOBS=off
if [ ! -f "$dir/tuomi.db" ]; then
  mkdir -p "$dir"
  "$tuomi" dev seed --employees "$employees" >&2
  add_hr "$tuomi"
fi
serve "$tuomi" "$dir"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
path="${path//\{departure\}/$departure}"
perf record -F 499 --call-graph dwarf,16384 -p "$pid" -o "$dir/perf.data" -- sleep 4 >/dev/null 2>&1 &
sampler=$!
wrk -t1 -c8 -d5s --latency -H "Cookie: $cookie" "$base$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
wait "$sampler"
set +o pipefail # head closes the pipe early
echo "== self time"
perf report -i "$dir/perf.data" --no-children --sort symbol -g none 2>/dev/null |
  grep -v '^#' | grep -v '^$' | cut -c1-110 | head -25
echo "== with callees (ours, the database's and the web server's)"
perf report -i "$dir/perf.data" --children --sort symbol -g none 2>/dev/null |
  grep -E 'tuomi::|sqlite3_step|serde_json::|minijinja::|actix_http::h1' | cut -c1-130 | head -25
