#!/usr/bin/env bash
# Fuzzes the JSON API against its own OpenAPI document with schemathesis: once signed in as
# each role (admin, hr, security, manager, each with a fresh seeded SQLite database and server)
# and once without credentials. Checks: no 5xx, every status code and every answer's schema
# and content type as documented. Bounded (FUZZ_EXAMPLES cases an operation and phase, seed
# FUZZ_SEED), so it fits CI; exits non-zero on any failure.
#
#   fuzz/run.sh            # all five runs
#   fuzz/run.sh hr         # one run (admin, hr, security, manager or anonymous)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
PYOTP_VERSION=2.9.0
EXAMPLES="${FUZZ_EXAMPLES:-8}"
SEED="${FUZZ_SEED:-1}"
CHECKS="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}"
ROLES=("$@")
[ ${#ROLES[@]} -gt 0 ] || ROLES=(admin hr security manager anonymous)

target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/fuzz-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
if ! "$venv/bin/python" -c "import pyotp" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyotp==$PYOTP_VERSION"
fi

cargo build --quiet --bin tuomi
tuomi="$target/debug/tuomi"

# Each run's data directory, server log and full report stay here for a look afterwards.
work="$target/fuzz-runs"
rm -rf "$work"
mkdir -p "$work"
server=""
fuzzer=""
stop_server() {
  if [ -n "$fuzzer" ]; then
    kill "$fuzzer" 2>/dev/null || true
    wait "$fuzzer" 2>/dev/null || true
    fuzzer=""
  fi
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A fresh service: its own data directory (SQLite), seeded, one user a role; no job worker.
start_service() {
  local dir="$1"
  mkdir -p "$dir"
  # Only the settings below: nothing from a developer's environment or tuomi.toml.
  while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(TUOMI_[A-Z_]*\)=.*/\1/p')
  export TUOMI_DATA_DIR="$dir" TUOMI_JOBS=off TUOMI_LOG="warn"
  export TUOMI_SECRET_KEY="fuzz-secret-key-fuzz-secret-key-0123456789"
  export TUOMI_METRICS_TOKEN="fuzz-metrics-token-0123456789"
  # The shipped policy: admin and security set up two-step sign-in (prepare.py) first.
  export TUOMI_CONFIG="$dir/tuomi.toml"
  : >"$TUOMI_CONFIG"
  (cd "$dir" && "$tuomi" dev seed --employees 50 >/dev/null)
  local role
  for role in admin hr security manager; do
    local link=()
    # The manager heads a department of the seeded company, so has reports to see.
    [ "$role" = manager ] && link=(--employee-no E0000001)
    printf 'quiet lantern orbit 7341\n' |
      (cd "$dir" && "$tuomi" user add --email "$role@fuzz.example" --name "Fuzz $role" \
        --role "$role" "${link[@]}" --password-stdin >/dev/null)
  done
  port=$(free_port)
  export TUOMI_LISTEN="127.0.0.1:$port"
  (cd "$dir" && exec "$tuomi" serve) >"$dir/server.log" 2>&1 &
  server=$!
  local _
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=1)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  echo "the service did not start:" >&2
  cat "$dir/server.log" >&2
  return 1
}

total=0
failed=()
summary=()
started=$SECONDS
for role in "${ROLES[@]}"; do
  dir="$work/$role"
  start_service "$dir"
  base="http://127.0.0.1:$port"
  auth=()
  config="$dir/schemathesis.toml"
  # No state kept between runs (schemathesis would replay earlier failures first).
  printf '[cache]\nenabled = false\n\n' >"$config"
  if [ "$role" != anonymous ]; then
    # Ids that exist, seen by this role, so that some cases reach past 404.
    found=$("$venv/bin/python" fuzz/prepare.py "$base" "$role@fuzz.example" \
      "quiet lantern orbit 7341" "$dir/token" "$config")
    echo "== $role: ids found: ${found:-none}"
    auth=(-H "Authorization: Bearer $(cat "$dir/token")")
  fi
  role_started=$SECONDS
  status=0
  # Cookies are not generated: the bearer token is how the run signs in, and a random session
  # cookie would only exercise the cookie's decryption.
  # In the background, so that an interrupt reaches the traps at once (and stops both).
  (cd "$dir" && exec "$venv/bin/schemathesis" --config-file "$config" run "$base/api/v1/openapi.json" \
    --url "$base" "${auth[@]}" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed "$SEED" --generation-database none \
    --generation-with-security-parameters false \
    --workers 1 --request-timeout 10 --continue-on-failure \
    --no-color) >"$dir/schemathesis.txt" 2>&1 &
  fuzzer=$!
  wait "$fuzzer" || status=$?
  fuzzer=""
  # "Test cases:" then "  N generated, …" in the summary.
  cases=$(sed -n 's/^ *\([0-9][0-9]*\) generated.*/\1/p' "$dir/schemathesis.txt" | tail -n 1)
  cases=${cases:-0}
  seconds=$((SECONDS - role_started))
  # What the service answered, from its own metrics: how far the cases got.
  answers=$("$venv/bin/python" - "$base/metrics" <<'PY'
import collections, re, sys, urllib.request
asked = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer fuzz-metrics-token-0123456789"})
text = urllib.request.urlopen(asked, timeout=10).read().decode()
counts = collections.Counter()
for route, status, n in re.findall(r'tuomi_http_requests_total\{method="[A-Z]+",route="(/api/v1/[^"]*)",status="(\d+)"\} (\d+)', text):
    if route != "/api/v1/openapi.json":
        counts[status[0] + "xx"] += int(n)
print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
PY
) || answers="(no metrics)"
  if [ "$status" -eq 0 ]; then
    sed -n '/^=* SUMMARY =*$/,$p' "$dir/schemathesis.txt"
  else
    failed+=("$role")
    echo "== $role: FAILED (exit $status); the whole report:" >&2
    cat "$dir/schemathesis.txt" >&2
    echo "== server log:" >&2
    tail -n 50 "$dir/server.log" >&2
  fi
  if grep -q 'internal error' "$dir/server.log"; then
    failed+=("$role (internal errors in the server log)")
    grep 'internal error' "$dir/server.log" | head -n 20 >&2
  fi
  summary+=("$(printf '%-10s %6s cases  %4ss  %-6s answers: %s' "$role" "$cases" "$seconds" \
    "$([ "$status" -eq 0 ] && echo ok || echo FAILED)" "$answers")")
  total=$((total + cases))
  stop_server
done

echo
echo "schemathesis $SCHEMATHESIS_VERSION, $EXAMPLES examples an operation and phase, seed $SEED:"
printf '  %s\n' "${summary[@]}"
echo "  total      $(printf '%6s' "$total") cases  $(printf '%4s' $((SECONDS - started)))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in: ${failed[*]}" >&2
  exit 1
fi
