#!/usr/bin/env bash
# Usage statement benchmark: one client with ENTRIES ledger entries in one month (plus another
# client's), then the statement over HTTP (JSON and CSV) against a Release build on a throwaway
# PostgreSQL. Entries are written the way the ingestion worker writes them (INSERT into
# usage_entries, rolled up by its trigger), in batches. Prints the figures.
#
#   bench/usage/run.sh                  # 1,000,000 entries, 20 runs
#   ENTRIES=200000 RUNS=5 bench/usage/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

ENTRIES=${ENTRIES:-1000000}
RUNS=${RUNS:-20}
BATCH=${BATCH:-100000}
apt_install curl python3
ensure_postgres

work=$(mktemp -d /tmp/mlops-bench-usage.XXXXXX)
pg_port=$(free_port); port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
PG_FSYNC=off pg_start "$work/pg" "$pg_port"
psql() { command psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

log "building the server (Release)"
dotnet build src/MlOps.Server -c Release -nologo -v quiet -o "$work/bin" >/dev/null
token=mlops-bench-admin-token-0123456789
MLOPS_DATABASE_URL="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres" MLOPS_ADMIN_TOKEN=$token \
  MLOPS_DATA_DIR=$work/data ASPNETCORE_URLS=http://127.0.0.1:$port Logging__LogLevel__Default=Warning \
  Hangfire__ServerEnabled=false dotnet "$work/bin/MlOps.Server.dll" > "$work/server.log" 2>&1 &
server_pid=$!; pids+=("$server_pid")
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; die "server did not start"; }

api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@" >/dev/null; }
for g in bench other; do api "http://127.0.0.1:$port/api/v1/groups" -d "{\"path\":\"$g\"}"; done
for p in $(seq 1 20); do api "http://127.0.0.1:$port/api/v1/projects" -d "{\"namespace\":\"bench\",\"path\":\"p$p\"}"; done
api "http://127.0.0.1:$port/api/v1/admin/prices" -d '{"resource":"gpu","gpu_model":"A100","unit_price":2.5,"effective_from":"2026-01-01"}'
api "http://127.0.0.1:$port/api/v1/admin/prices" -d '{"resource":"gpu","gpu_model":"A100","unit_price":2.1,"effective_from":"2026-11-15"}'
api "http://127.0.0.1:$port/api/v1/admin/prices" -d '{"resource":"gpu","unit_price":1.2,"effective_from":"2026-01-01"}'
api "http://127.0.0.1:$port/api/v1/admin/prices" -d '{"resource":"cpu","unit_price":0.04,"effective_from":"2026-01-01"}'
api "http://127.0.0.1:$port/api/v1/admin/prices" -d '{"resource":"memory","unit_price":0.005,"effective_from":"2026-01-01"}'
api "http://127.0.0.1:$port/api/v1/admin/prices" -d '{"resource":"cpu","unit_price":0.03,"effective_from":"2026-11-20","client":"bench"}'

client=$(psql -c "SELECT id FROM namespaces WHERE full_path = 'bench'")
other=$(psql -c "SELECT id FROM namespaces WHERE full_path = 'other'")
first_project=$(psql -c "SELECT min(p.id) FROM projects p WHERE p.namespace_id = $client")

# Four entries per job attempt (cpu, memory, and GPU-seconds on two models), spread over
# November's 30 days x 20 projects x 3 pipelines (7,200 rollup rows).
load() { # CLIENT FROM TO
  psql -c "
    INSERT INTO usage_entries (source, kind, client_id, project_id, job_id, attempt, pipeline, resource, detail, quantity, day, measured)
    SELECT 'job:' || ($1 * 10000000 + i / 4) || ':1', 'job', $1, $first_project + (i / 120) % 20, $1 * 10000000 + i / 4, 1,
           (ARRAY['train', 'eval', 'tune'])[1 + (i / 2400) % 3],
           (ARRAY['cpu', 'memory', 'gpu', 'gpu'])[1 + i % 4], (ARRAY['', '', 'A100', 'H100'])[1 + i % 4],
           round((random() * 7200)::numeric, 3), date '2026-11-01' + ((i / 4) % 30),  -- every day x project x pipeline occurs
           jsonb_build_object('wall_seconds', 3600, 'memory_peak_bytes', 1000000000)
    FROM generate_series($2, $3 - 1) AS i"
}
log "writing $ENTRIES ledger entries for client 'bench' in batches of $BATCH"
start=$(date +%s.%N)
for ((from = 0; from < ENTRIES; from += BATCH)); do load "$client" "$from" $((from + BATCH < ENTRIES ? from + BATCH : ENTRIES)); done
load_s=$(python3 -c "import time; print(round(time.time() - $start, 1))")
load "$other" 0 200000
psql -c "VACUUM ANALYZE usage_entries" -c "VACUUM ANALYZE usage_daily"
rollup_rows=$(psql -c "SELECT count(*) FROM usage_daily WHERE client_id = $client AND day >= '2026-11-01' AND day < '2026-12-01'")

measure() { # URL -> prints the times in ms, one per run
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "$1"   # warm-up
  for _ in $(seq 1 "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$1"
  done | python3 -c "
import sys, statistics
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f'min {t[0]:.1f} ms  median {statistics.median(t):.1f} ms  p95 {t[int(len(t) * 0.95) - 1 if len(t) > 1 else 0]:.1f} ms  max {t[-1]:.1f} ms')"
}
base="http://127.0.0.1:$port/api/v1/clients/bench/statement"
lines=$(curl -sf -H "Authorization: Bearer $token" "$base?month=2026-11" | python3 -c "import json, sys; s = json.load(sys.stdin); print(len(s['lines']), s['total'])")
echo
echo "ledger entries for the client:   $(psql -c "SELECT count(*) FROM usage_entries WHERE client_id = $client")  (all clients: $(psql -c 'SELECT count(*) FROM usage_entries'))"
echo "written in:                      ${load_s} s (with the rollup trigger)"
echo "rollup rows read per statement:  $rollup_rows"
echo "statement lines, total:          $lines"
# CPU time the server spends per statement, which the shared machine's load does not inflate.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
before=$(cpu_ticks)
echo "statement JSON, month ($RUNS runs): $(measure "$base?month=2026-11")"
after=$(cpu_ticks)
echo "server CPU per JSON statement:   $(python3 -c "print(round(($after - $before) * 1000 / $(getconf CLK_TCK) / ($RUNS + 1), 1))") ms"
echo "statement CSV,  month ($RUNS runs): $(measure "$base?month=2026-11&format=csv")"
echo "statement JSON, 10 days:         $(measure "$base?from=2026-11-10&to=2026-11-19")"
sql_ms=$(for _ in $(seq 1 "$RUNS"); do
  command psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qAt -c "EXPLAIN (ANALYZE, FORMAT JSON)
    SELECT d.day, d.project_id, n.full_path || '/' || p.path, d.pipeline, d.resource, d.detail, d.quantity
    FROM usage_daily d LEFT JOIN projects p ON p.id = d.project_id LEFT JOIN namespaces n ON n.id = p.namespace_id
    WHERE d.client_id = $client AND d.day >= '2026-11-01' AND d.day < '2026-12-01'" \
  | python3 -c "import json, sys; print(json.load(sys.stdin)[0]['Execution Time'])"; done | sort -n | awk '{ a[NR] = $1 } END { printf "min %.1f ms  median %.1f ms", a[1], a[int((NR + 1) / 2)] }')
echo "rollup query alone (SQL):        $sql_ms"
echo "load average while measuring:    $(cut -d' ' -f1-3 /proc/loadavg)"
