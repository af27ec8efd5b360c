#!/usr/bin/env bash
# Times `tuomi import employees` on a generated HR export of N rows (default 10,000) with a
# manager hierarchy, on SQLite and on PostgreSQL, with the release build.
#   bench/import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin="$PWD/target/release/tuomi"

python3 - "$rows" > "$work/export.csv" <<'PY'
import sys
n = int(sys.argv[1])
surnames = "王李张刘陈杨赵黄周吴"
given = "伟芳娜敏静强磊洋艳勇"
print("employee_no,name,work_email,private_email,language,department,title,manager_no,hire_date")
for i in range(n):
    manager = "" if i == 0 else f"E{(i - 1) // 10:06d}"
    name = surnames[i % 10] + given[(i // 10) % 10] + given[(i // 100) % 10]
    print(f"E{i:06d},{name},e{i:06d}@corp.example,,zh-CN,部门{i % 40},职员,{manager},2018-{i % 12 + 1:02d}-{i % 28 + 1:02d}")
PY
iconv -f UTF-8 -t GB18030 "$work/export.csv" > "$work/export-gb18030.csv"

run() {
  local label="$1" url="$2"
  local first second
  first=$(TUOMI_DATA_DIR="$work" TUOMI_DATABASE_URL="$url" TUOMI_LOG=warn "$bin" import employees "$work/export-gb18030.csv" | tail -n1)
  second=$(TUOMI_DATA_DIR="$work" TUOMI_DATABASE_URL="$url" TUOMI_LOG=warn "$bin" import employees "$work/export-gb18030.csv" | grep -v "nothing changed" | tail -n1)
  printf '%-10s first import:  %s\n%-10s second import: %s\n' "$label" "$first" "$label" "$second"
}

run sqlite "sqlite://$work/bench.db"
db="tuomi_bench_$$"
if psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" 2>/dev/null; then
  run postgres "postgres://postgres@127.0.0.1:5432/$db"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db WITH (FORCE)"
else
  echo "postgres   skipped: no PostgreSQL on 127.0.0.1:5432"
fi
