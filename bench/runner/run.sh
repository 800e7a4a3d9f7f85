#!/usr/bin/env bash
# Runner benchmarks: prints
#   1. a trivial one-step job end to end (pending -> success through the protocol, Docker executor) vs a bare
#      `docker run --rm --network none` of the same image and command: medians and their ratio (target <= 1.2x);
#   2. the same with the process executor vs a bare process (target <= +50 ms);
#   3. pending -> started on an idle runner, p50 (target <= 50 ms), from the server's own queued_at/started_at;
#   4. claims per second with 32 runners polling at once, and double claims (target >= 1,000/s, zero).
# Usage: bench/runner/run.sh [N] [jobs|claims]   (N jobs per measurement, default 20; both parts by default).
# Needs what scripts/test.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
N=${1:-20}
PART=${2:-all}
ensure_postgres
ensure_docker /tmp/mlops-bench-dockerd.log
apt_install busybox-static curl

work=$(mktemp -d /tmp/mlops-bench-runner.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pg_stop "$work/pg"; stop_dockerd; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/MlOps.Server -c Release -nologo -v quiet >/dev/null
dotnet build runner/MlOps.Runner -c Release -nologo -v quiet >/dev/null

# The image, built locally like the tests do.
if ! docker image inspect mlops-bench/busybox:1 >/dev/null 2>&1; then
  mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp"; cp /bin/busybox "$work/rootfs/bin/"
  for a in sh echo true; do ln -s busybox "$work/rootfs/bin/$a"; done
  tar -C "$work/rootfs" -c . | docker import -c "ENV PATH=/bin" - mlops-bench/busybox:1 >/dev/null
fi

pgport=$(free_port); PG_FSYNC=off pg_start "$work/pg" "$pgport"
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -tAq "$@"; }
port=$(free_port); url=http://127.0.0.1:$port
export MLOPS_ADMIN_TOKEN=bench-admin-token-0123456789abcdef MLOPS_RUNNER_REGISTRATION_TOKEN=bench-registration-token
# A long lease: the claims pollers never heartbeat, and a lapsed lease would hand their jobs out again.
MLOPS_DATABASE_URL="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres;Maximum Pool Size=100" \
MLOPS_DATA_DIR=$work/data Hangfire__ServerEnabled=false RunnerJobs__LeaseSeconds=600 Logging__LogLevel__Default=Warning \
  dotnet src/MlOps.Server/bin/Release/net10.0/MlOps.Server.dll --urls "$url" --contentRoot "$PWD/src/MlOps.Server/bin/Release/net10.0" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fsS "$url/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
H="Authorization: Bearer $MLOPS_ADMIN_TOKEN"
curl -fsS -H "$H" -H 'Content-Type: application/json' -d '{"path":"bench","name":"Bench"}' "$url/api/v1/groups" >/dev/null
curl -fsS -H "$H" -H 'Content-Type: application/json' -d '{"namespace":"bench","path":"p","visibility":"private"}' "$url/api/v1/projects" >/dev/null

start_runner() { # executor tag
  MLOPS_URL=$url MLOPS_REGISTRATION_TOKEN=$MLOPS_RUNNER_REGISTRATION_TOKEN MLOPS_RUNNER_NAME=bench-$1 MLOPS_RUNNER_TAGS=$2 \
  MLOPS_RUNNER_CONFIG=$work/runner-$1.json MLOPS_RUNNER_EXECUTOR=$1 MLOPS_RUNNER_BUILDS_DIR=$work/builds Logging__LogLevel__Default=Warning \
    dotnet runner/MlOps.Runner/bin/Release/net10.0/MlOps.Runner.dll >"$work/runner-$1.log" 2>&1 &
  pids+=($!)
}

# COUNT runs of one trivial job each, inserted as the runs feature does, in one statement; prints the job ids.
seed() { # tag image [count]
  psql -c "
    WITH p AS (SELECT p.id, n.id AS client FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE n.full_path = 'bench'),
    r AS (INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by_name)
          SELECT id, client, 'b', 'main', repeat('0', 40), 'manual', 'bench' FROM p, generate_series(1, ${3:-1}) RETURNING id, project_id, client_id),
    j AS (INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, spec, tags)
          SELECT r.id, r.project_id, r.client_id, 'j', 'b', 'main', repeat('0', 40),
                 jsonb_build_object('image', '$2', 'argv', jsonb_build_array('/bin/sh', '-c', 'echo hi'), 'env', '{}'::jsonb,
                                    'secrets', '[]'::jsonb, 'inputs', '[]'::jsonb, 'outputs', '[]'::jsonb, 'checkout', false,
                                    'timeout_seconds', 60, 'network', 'none', 'resources', jsonb_build_object('gpus', 0, 'cpus', 1, 'memory_bytes', 0)),
                 ARRAY['$1'] FROM r RETURNING id, run_id)
    SELECT id FROM j" >"$work/seeded"
  # advance_run makes the jobs pending and notifies waiting runners, as after a real run's creation.
  psql -c "SELECT count(advance_run(r.id)) FROM runs r WHERE r.status = 'created'" >/dev/null
  cat "$work/seeded"
}
wait_done() { while [ "$(psql -c "SELECT status FROM jobs WHERE id = $1")" != success ]; do sleep 0.002; done; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

measure_jobs() { # tag image -> one duration (ms) per line
  for _ in $(seq 1 "$N"); do t0=$(now_ms); id=$(seed "$1" "$2"); wait_done "$id"; echo $(( $(now_ms) - t0 )); done
}

if [ "$PART" != claims ]; then
start_runner docker bench-docker
start_runner process bench-process
sleep 5
measure_jobs bench-docker mlops-bench/busybox:1 >/dev/null 2>&1 || true   # warm up both paths once
ours_docker=$(measure_jobs bench-docker mlops-bench/busybox:1 | median)
bare_docker=$(for _ in $(seq 1 "$N"); do t0=$(now_ms); docker run --rm --network none mlops-bench/busybox:1 /bin/sh -c 'echo hi' >/dev/null; echo $(( $(now_ms) - t0 )); done | median)
ours_process=$(measure_jobs bench-process none | median)
bare_process=$(for _ in $(seq 1 "$N"); do t0=$(now_ms); /bin/sh -c 'echo hi' >/dev/null; echo $(( $(now_ms) - t0 )); done | median)
# The insert and the status polling cost the same on both sides of nothing: they are part of "ours", as a user would see it.
latency=$(psql -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - queued_at) * 1000)::numeric(10,1)
                   FROM jobs WHERE status = 'success'")
echo "docker: one-step job end to end median ${ours_docker} ms, bare docker run ${bare_docker} ms, ratio $(awk "BEGIN {printf \"%.2f\", $ours_docker/$bare_docker}")x (target <= 1.2x)"
echo "process: one-step job end to end median ${ours_process} ms, bare process ${bare_process} ms, +$(awk "BEGIN {printf \"%.1f\", $ours_process-$bare_process}") ms (target <= +50 ms)"
echo "pending -> started on an idle runner: p50 ${latency} ms (target <= 50 ms)"
fi
[ "$PART" = jobs ] && exit 0

# Claims per second: 32 pollers (each a registered runner) over 3,000 pending jobs, seeded in one statement.
kill "${pids[@]:1}" 2>/dev/null || true
psql -c "UPDATE jobs SET status = 'success' WHERE status IN ('pending', 'running')" >/dev/null
seed bench-claims mlops-bench/busybox:1 3000 >/dev/null
python3 bench/runner/claims.py "$url" "$MLOPS_RUNNER_REGISTRATION_TOKEN" 32 bench-claims "$work/claims.csv"
# What the database says: every seeded job claimed exactly once, by the runner that was told it got it.
psql -c "CREATE TABLE bench_claims (job_id bigint, runner text)"
psql -c "\copy bench_claims FROM '$work/claims.csv' WITH (FORMAT csv)"
psql -F ' ' -c "
  SELECT (SELECT count(*) FROM jobs WHERE 'bench-claims' = ANY (tags)),
         (SELECT count(*) FROM jobs WHERE 'bench-claims' = ANY (tags) AND status = 'running' AND runner_id IS NOT NULL),
         (SELECT count(*) - count(DISTINCT job_id) FROM bench_claims),
         (SELECT count(*) FROM bench_claims c JOIN jobs j ON j.id = c.job_id JOIN runners r ON r.id = j.runner_id WHERE r.name <> c.runner)" |
  { read -r seeded running doubled moved
    echo "claims in the database: $seeded seeded, $running running (claimed once each), $doubled handed out twice, $moved held by another runner than told (target 0, 0)"; }
