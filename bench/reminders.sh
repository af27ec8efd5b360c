#!/usr/bin/env bash
# Times planning one day's reminders among N active obligations (default 1,000,000: the first
# day of a quarter, when everyone is due) and the delivery rate to a local SMTP server, on
# SQLite and on PostgreSQL, with the release build.
#   bench/reminders.sh [OBLIGATIONS] [DELIVERIES]
set -euo pipefail
cd "$(dirname "$0")/.."
obligations="${1:-1000000}"
deliveries="${2:-2000}"
cargo build --release --quiet --example bench_reminders
echo "== SQLite"
target/release/examples/bench_reminders "$obligations" "$deliveries"
echo "== PostgreSQL"
target/release/examples/bench_reminders "$obligations" "$deliveries" postgres
