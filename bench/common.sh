# Shared by the benchmark scripts: the HR user of a seeded company, and a running service
# signed in as that user. Source it; it defines functions only.
password="benchmark password of some length"

# add_hr TUOMI: the user the load runs as (TUOMI_DATABASE_URL names the database).
add_hr() {
  echo "$password" | "$1" user add --email hr@bench.example --name HR --role hr --password-stdin >/dev/null
}

# serve TUOMI DIR: starts `tuomi serve` on a free port, waits until it is ready, signs in, and
# sets pid, base, ready (seconds to ready), cookie (for wrk) and departure (one in progress).
serve() {
  local tuomi="$1" dir="$2" started jar
  local port=$((20000 + RANDOM % 20000))
  export TUOMI_LISTEN="127.0.0.1:$port"
  base="http://127.0.0.1:$port"
  started=$(date +%s.%N)
  "$tuomi" serve >"$dir/serve.log" 2>&1 &
  pid=$!
  until curl -fs "$base/readyz" >/dev/null 2>&1; do sleep 0.02; done
  ready=$(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf "%.2f", a - b }')
  jar="$dir/cookies"
  curl -fs -c "$jar" -H 'content-type: application/json' \
    -d "{\"email\":\"hr@bench.example\",\"password\":\"$password\"}" "$base/api/v1/session" >/dev/null
  cookie="tuomi_session=$(awk '$6 == "tuomi_session" {print $7}' "$jar")"
  departure="$(curl -fs -b "$jar" "$base/api/v1/departures?status=in_progress&per_page=1" |
    sed -n 's/.*"items":\[{"id":"\([^"]*\)".*/\1/p')"
}
