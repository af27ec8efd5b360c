#!/usr/bin/env bash
# Several `tuomi serve` instances on one PostgreSQL database behind nginx, with the job work
# left to separate `tuomi worker` processes; checks that what must work across instances does,
# and measures requests/s through nginx with 1..N instances.
#
#   bench/scale-out.sh [INSTANCES] [WORKERS]        (defaults: 2 instances, 2 workers)
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth; TUOMI_BENCH_POSTGRES_URL
# overrides), and installs nginx and wrk from apt when they are missing. Everything listens on
# 127.0.0.1 only, in a temporary folder that is removed at the end (KEEP=1 keeps it, and the
# database, for a look at the logs). SEED_EMPLOYEES (6000) sizes the company, BENCH_SECONDS (5)
# each wrk run, SMTP_DELAY_MS (50) each SMTP transaction at the sink; TUOMI_BIN runs that binary
# instead of building one. Exit 0 when every check passed.
#
# Workers look for work every 15 seconds; the sink's delay makes the reminders of one slot take
# longer than that, so that every worker is sending at the same time.
set -euo pipefail
trap 'echo "stopped at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

instances="${1:-2}"
workers="${2:-2}"
seed_employees="${SEED_EMPLOYEES:-6000}"
bench_seconds="${BENCH_SECONDS:-5}"
smtp_delay_ms="${SMTP_DELAY_MS:-50}"
pg="${TUOMI_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
if [ "$instances" -lt 2 ] || [ "$workers" -lt 1 ]; then
  echo "usage: bench/scale-out.sh [INSTANCES>=2] [WORKERS>=1]" >&2
  exit 2
fi

# --- tools -----------------------------------------------------------------------------------
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's package starts a system nginx on port 80 where it can; this script needs none.
  if [ -f /run/nginx.pid ]; then kill "$(cat /run/nginx.pid)" 2>/dev/null || true; fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
pg_isready -d "$pg/postgres" -q || { echo "PostgreSQL is not answering at $pg" >&2; exit 1; }

bin="${TUOMI_BIN:-}"
if [ -z "$bin" ]; then
  echo "== building the release binary"
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/tuomi"
fi

# --- the place ---------------------------------------------------------------------------------
work="$(mktemp -d /tmp/tuomi-scale.XXXXXX)"
db="tuomi_scale_$$"
pids=()
declare -A pid_of
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept: $work and the database $db"
  else
    psql -q -d "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    rm -rf "$work"
  fi
}
trap cleanup EXIT

free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}
read -r -a ports <<<"$(free_ports $((instances + 2)))"
proxy_port="${ports[$instances]}"
smtp_port="${ports[$((instances + 1))]}"
proxy="http://127.0.0.1:$proxy_port"

psql -q -d "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
# What every instance and worker shares: the database and the secret key (sessions, CSRF
# cookies and email links are encrypted or signed with it). Each has a data dir of its own.
export TUOMI_DATABASE_URL="$pg/$db"
TUOMI_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export TUOMI_SECRET_KEY
export TUOMI_BASE_URL="$proxy"
export TUOMI_TRUSTED_PROXIES=127.0.0.1
export TUOMI_METRICS_TOKEN="bench-metrics-token-0123456789"
export TUOMI_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export TUOMI_MAIL_FROM="tuomi <tuomi@scale.test>"
export TUOMI_LOG="info,actix_server=warn"
export TUOMI_DATA_DIR="$work/cli"

echo "== a company of $seed_employees employees in the PostgreSQL database $db"
"$bin" dev seed --employees "$seed_employees" | tail -n 1
password="scale-out-password-1"
"$bin" user add --email admin@scale.test --name "Scale Admin" --role admin,hr --language en \
  --password-stdin <<<"$password" >/dev/null

# --- the processes -----------------------------------------------------------------------------
start() { # name, command…: runs in the background, logs to $work/name.log
  local name="$1"
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  pid_of[$name]=$!
}
wait_for() { # url: until it answers 200 (30 s)
  for _ in $(seq 1 150); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "no answer from $1" >&2
  return 1
}

start smtp python3 bench/smtp_sink.py "$smtp_port" "$work/smtp.log" "$smtp_delay_ms"
upstreams=()
for i in $(seq 1 "$instances"); do
  port="${ports[$((i - 1))]}"
  upstreams+=("127.0.0.1:$port")
  TUOMI_JOBS=off TUOMI_LISTEN="127.0.0.1:$port" TUOMI_DATA_DIR="$work/serve-$i" \
    start "serve-$i" "$bin" serve
done
for i in $(seq 1 "$instances"); do wait_for "http://${upstreams[$((i - 1))]}/readyz"; done
for i in $(seq 1 "$workers"); do
  TUOMI_DATA_DIR="$work/worker-$i" start "worker-$i" "$bin" worker
done

mkdir -p "$work/nginx/tmp"
nginx_conf() { # upstream addresses…: writes the config
  {
    cat <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  upstream tuomi {
EOF
    for u in "$@"; do echo "    server $u max_fails=1 fail_timeout=10s;"; done
    cat <<EOF
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$proxy_port;
    client_max_body_size 20m;
    location / {
      proxy_pass http://tuomi;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # Only for this test: which instance answered.
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
EOF
  } >"$work/nginx/nginx.conf"
}
nginx_conf "${upstreams[@]}"
start nginx "$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
wait_for "$proxy/readyz"
nginx_reload() {
  nginx_conf "$@"
  "$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" -s reload
  sleep 1
}
echo "== $instances instances (${upstreams[*]}), $workers workers, nginx on $proxy"

# --- checks ------------------------------------------------------------------------------------
failures=0
verdict() { # ok?, text
  if [ "$1" = 0 ]; then echo "PASS $2"; else echo "FAIL $2"; failures=$((failures + 1)); fi
}
jar="$work/cookies"
sign_in() { # jar, email, password → HTTP status
  curl -s -o /dev/null -w '%{http_code}' -c "$1" -b "$1" -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$3\"}" "$proxy/api/v1/session"
}
requests_on() { # instance address, route → requests counted there with status 200
  curl -fs -H "Authorization: Bearer $TUOMI_METRICS_TOKEN" "http://$1/metrics" | awk -v r="route=\"$2\"" \
    'index($0, "tuomi_http_requests_total{method=\"GET\",") == 1 && index($0, r) && index($0, "status=\"200\"") { n += $2 } END { print n + 0 }'
}
psql_value() { psql -At -d "$TUOMI_DATABASE_URL" -c "$1"; }

# (a) One session, many instances.
status="$(sign_in "$jar" admin@scale.test "$password")"
declare -A before
for u in "${upstreams[@]}"; do before[$u]="$(requests_on "$u" /api/v1/employees)"; done
codes="$(for _ in $(seq 1 20); do
  curl -s -o /dev/null -b "$jar" -w '%{http_code} %header{x-upstream}\n' "$proxy/api/v1/employees?q=%E7%8E%8B"
done)"
ok_codes="$(grep -c '^200 ' <<<"$codes" || true)"
distinct="$(awk '{print $2}' <<<"$codes" | sort -u | wc -l)"
spread=""
sum=0
for u in "${upstreams[@]}"; do
  n=$(($(requests_on "$u" /api/v1/employees) - ${before[$u]}))
  sum=$((sum + n))
  spread+=" $u:$n"
done
if [ "$status" = 200 ] && [ "$ok_codes" = 20 ] && [ "$distinct" = "$instances" ] && [ "$sum" = 20 ]; then ok=0; else ok=1; fi
verdict $ok "(a) signed in through nginx ($status); 20 requests with that cookie: $ok_codes answered 200, on $distinct instances (their own counters:$spread)"

# (b) A page's form from one instance, posted to another, its message shown by a third request.
form="$work/admin.html"
first="$(curl -s -b "$jar" -c "$jar" -o "$form" -w '%{http_code} %header{x-upstream}' "$proxy/admin")"
csrf="$({ grep -o 'name="csrf" value="[^"]*"' "$form" || true; } | head -n 1 | sed 's/.*value="//; s/"$//')"
posted="$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{http_code} %header{x-upstream} %{redirect_url}' \
  --data-urlencode "csrf=$csrf" --data-urlencode "email=added@scale.test" \
  --data-urlencode "name=Added Across Instances" --data-urlencode "role_hr=true" \
  --data-urlencode "language=en" --data-urlencode "password=another-password-1" \
  -H "Referer: $proxy/admin" "$proxy/admin/users")"
next_page="$(awk '{print $3}' <<<"$posted")"
shown="$(curl -s -b "$jar" -c "$jar" -o "$work/added.html" -w '%{http_code} %header{x-upstream}' "$next_page")"
message="The user was added."
grep -q "$message" "$work/added.html" && has_message=0 || has_message=1
again="$(curl -s -b "$jar" -c "$jar" "$next_page" | grep -c "$message" || true)"
read -r s1 u1 <<<"$first"
read -r s2 u2 _ <<<"$posted"
read -r s3 u3 <<<"$shown"
if [ "$s1" = 200 ] && [ -n "$csrf" ] && [ "$s2" = 303 ] && [ "$s3" = 200 ] && [ "$has_message" = 0 ] &&
  [ "$again" = 0 ] && [ "$u1" != "$u2" ] && [ "$u2" != "$u3" ]; then ok=0; else ok=1; fi
verdict $ok "(b) form from $u1 ($s1), posted with its CSRF token to $u2 ($s2), message shown once by $u3 ($s3)"

# (e) Sign-in throttling counts the failures of all instances: the 6th wrong password is refused
# with 429 wherever it lands.
throttle="$(for _ in $(seq 1 6); do
  sign_in "$work/nobody" nobody@scale.test wrong-password
  echo
done | tr '\n' ' ')"
if [ "$(awk '{print $6}' <<<"$throttle")" = 429 ]; then ok=0; else ok=1; fi
verdict $ok "(e) 6 wrong passwords for one account through nginx: $throttle(the 6th must be 429)"

# (c) Reminders: every minute for a while, sent by $workers workers, each exactly once.
t0="$(psql_value "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")"
if ! curl -fs -b "$jar" "$proxy/api/v1/policy" >"$work/policy-answer.json"; then
  echo "the policy could not be read" >&2
  exit 1
fi
python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["policy"], sys.stdout)' \
  <"$work/policy-answer.json" >"$work/policy.json"
python3 - "$work/policy.json" >"$work/policy-minutely.json" <<'EOF'
import json, sys
policy = json.load(open(sys.argv[1]))
for c in policy["reminders"]["cadence"]:
    c["cron"] = "0 * * * * * *"
json.dump(policy, sys.stdout)
EOF
put_policy() {
  curl -s -o /dev/null -w '%{http_code}' -b "$jar" -X PUT -H 'content-type: application/json' \
    --data-binary "@$1" "$proxy/api/v1/policy"
}
[ "$(put_policy "$work/policy-minutely.json")" = 200 ] || echo "the policy could not be changed" >&2
started=$SECONDS
planned=0
while [ $((SECONDS - started)) -lt 150 ]; do
  planned="$(psql_value "SELECT count(*) FROM reminders WHERE created_at >= '$t0'")"
  [ "$planned" -gt 0 ] && break
  sleep 1
done
# One slot is enough: back to the quarterly cadence.
put_policy "$work/policy.json" >/dev/null
planned_after=$((SECONDS - started))
while [ $((SECONDS - started)) -lt 400 ]; do
  left="$(psql_value "SELECT (SELECT count(*) FROM jobs WHERE state IN ('queued', 'running') AND run_at <= now() AT TIME ZONE 'UTC') + (SELECT count(*) FROM reminders WHERE status = 'scheduled' AND due_at <= now() AT TIME ZONE 'UTC')")"
  [ "$left" = 0 ] && break
  sleep 1
done
sent_in_db="$(psql_value "SELECT count(*) FROM reminders WHERE sent_at >= '$t0'")"
psql_value "SELECT message_id FROM reminders WHERE sent_at >= '$t0'" | sort >"$work/db-ids"
received="$(wc -l <"$work/smtp.log")"
cut -f1 "$work/smtp.log" | sort >"$work/sink-ids"
distinct_ids="$(sort -u "$work/sink-ids" | wc -l)"
twice="$(uniq -d "$work/sink-ids" | wc -l)"
sink_vs_db="$(sort -u "$work/sink-ids" | comm -3 - "$work/db-ids" | wc -l)"
per_worker=""
workers_sending=0
for i in $(seq 1 "$workers"); do
  n="$({ grep -o 'sent=[0-9]*' "$work/worker-$i.log" || true; } | awk -F= '{ n += $2 } END { print n + 0 }')"
  per_worker+=" worker-$i:$n"
  [ "$n" -gt 0 ] && workers_sending=$((workers_sending + 1))
done
if [ "$planned" -gt 0 ] && [ "$received" = "$distinct_ids" ] && [ "$twice" = 0 ] &&
  [ "$distinct_ids" = "$sent_in_db" ] && [ "$sink_vs_db" = 0 ]; then ok=0; else ok=1; fi
verdict $ok "(c) $planned reminders planned $planned_after s after the cadence went minutely; $received messages received, $distinct_ids distinct Message-IDs, $twice twice; $sent_in_db recorded sent, the same ids"
if [ "$workers_sending" = "$workers" ]; then ok=0; else ok=1; fi
verdict $ok "(c) every worker took a share of the sending:$per_worker"

# Figures: requests/s through nginx with 1..N instances.
declare -A rps
declare -A latency
cookie="$(awk '$6 == "tuomi_session" { print $7 }' "$jar")"
for k in $(seq 1 "$instances"); do
  nginx_reload "${upstreams[@]:0:$k}"
  wrk -t2 -c16 -d"${bench_seconds}s" --latency -H "Cookie: tuomi_session=$cookie" \
    "$proxy/api/v1/employees?q=%E7%8E%8B" >"$work/wrk-$k.txt"
  rps[$k]="$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk-$k.txt")"
  latency[$k]="$(awk '$1 == "99%" { print $2 }' "$work/wrk-$k.txt")"
  non2xx="$(awk '/Non-2xx/ { print $NF }' "$work/wrk-$k.txt")"
  [ -z "$non2xx" ] || echo "wrk with $k instances: $non2xx answers were not 2xx" >&2
done
nginx_reload "${upstreams[@]}"

# (d) One instance dies; nginx passes its requests to the others.
victim="serve-1"
kill -9 "${pid_of[$victim]}"
wait "${pid_of[$victim]}" 2>/dev/null || true
codes="$(for _ in $(seq 1 20); do
  curl -s -o /dev/null -b "$jar" -w '%{http_code} %header{x-upstream}\n' "$proxy/api/v1/employees?q=%E7%8E%8B"
done)"
ok_codes="$(grep -c '^200 ' <<<"$codes" || true)"
retried="$(grep -c ',' <<<"$codes" || true)"
if [ "$ok_codes" = 20 ]; then ok=0; else ok=1; fi
verdict $ok "(d) ${upstreams[0]} killed (SIGKILL): 20 requests through nginx, $ok_codes answered 200 ($retried passed on after a refused connection)"

echo
echo "figures ($(nproc) cores; wrk -t2 -c16 -d${bench_seconds}s, GET /api/v1/employees?q=王 with a session cookie, $seed_employees employees):"
printf '| %-24s | %12s | %12s |\n' "behind nginx" "requests/s" "99% latency"
printf '|%s|%s|%s|\n' "--------------------------" "--------------" "--------------"
for k in $(seq 1 "$instances"); do
  printf '| %-24s | %12s | %12s |\n' "$k instance$([ "$k" = 1 ] || echo s)" "${rps[$k]}" "${latency[$k]}"
done
echo
echo "reminders sent by each worker ($smtp_delay_ms ms an SMTP transaction at the sink):$per_worker"
echo
if [ "$failures" = 0 ]; then echo "all checks passed"; else echo "$failures checks failed"; fi
exit $((failures > 0))
