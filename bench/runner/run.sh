#!/usr/bin/env bash
# Runner benchmarks: prints
#   1. a trivial one-step run end to end vs a bare `docker run --rm --network none` of the same image and
#      command, one of each in turn, medians side by side and their ratio (target <= 1.2x). "End to end" is what a user sees:
#      from POST /api/v1/projects/bench/p/runs (a manual run of an inline step `run: echo hi`) until
#      the run is success (bench/MlOps.Bench.Runner jobs: seen through LISTEN mlops_run_status, which
#      costs the shared cores nothing; polling the API every 2 ms took most of a core from the engine).
#      Inside it: the run's creation, the claim by an idle runner, staging a git checkout of the commit through Git HTTP with the
#      job token, the container (create, start, wait), the log reaching the server, the final status.
#      Not inside it: removing the container, which the runner does after reporting the end (as `docker run
#      --rm` does inside its own figure, so the comparison is, if anything, in docker's favour there).
#   2. the same with the process executor vs a bare `/bin/sh -c 'echo hi'`, both medians and the difference
#      (target <= +50 ms);
#   3. pending -> started on an idle runner, p50 (target <= 50 ms), from the server's own queued_at/started_at;
#   4. claims per second with 32 runners polling at once (bench/MlOps.Bench.Runner claims: each keeps one
#      connection, as the runner does, and asks again as soon as it is answered) over 3,000 pending jobs,
#      after a warm-up round of the same in the same client (the server and the client are fresh processes,
#      whose code the JIT optimises over the first thousands of claims; the warm-up round's figures are printed too),
#      and, counted in the database afterwards, jobs handed out twice or held by another runner than
#      the one told it got them (target >= 1,000/s, zero).
#   Each runner also logs where a job's time went (phases), and the last job's line is printed.
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
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; pg_stop "$work/pg"; stop_dockerd; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/MlOps.Server -c Release -nologo -v quiet >/dev/null
dotnet build runner/MlOps.Runner -c Release -nologo -v quiet >/dev/null
dotnet build bench/MlOps.Bench.Runner -c Release -nologo -v quiet >/dev/null

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
# A long lease: the claims pollers never heartbeat, and a lapsed lease would hand their jobs out again. A
# short long poll: a claims round ends when every poller has waited one out on the empty queue.
database="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres"
MLOPS_DATABASE_URL="$database;Maximum Pool Size=100${BENCH_DB_EXTRA:-}" \
MLOPS_DATA_DIR=$work/data Hangfire__ServerEnabled=false RunnerJobs__LeaseSeconds=600 RunnerJobs__LongPollSeconds=3 Logging__LogLevel__Default=Warning \
  dotnet src/MlOps.Server/bin/Release/net10.0/MlOps.Server.dll --urls "$url" --contentRoot "$PWD/src/MlOps.Server/bin/Release/net10.0" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fsS "$url/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
H="Authorization: Bearer $MLOPS_ADMIN_TOKEN"
curl -fsS -H "$H" -H 'Content-Type: application/json' -d '{"path":"bench","name":"Bench"}' "$url/api/v1/groups" >/dev/null
curl -fsS -H "$H" -H 'Content-Type: application/json' -d '{"namespace":"bench","path":"p","visibility":"private"}' "$url/api/v1/projects" >/dev/null

start_runner() { # executor tag
  MLOPS_URL=$url MLOPS_REGISTRATION_TOKEN=$MLOPS_RUNNER_REGISTRATION_TOKEN MLOPS_RUNNER_NAME=bench-$1 MLOPS_RUNNER_TAGS=$2 \
  MLOPS_RUNNER_CONFIG=$work/runner-$1.json MLOPS_RUNNER_EXECUTOR=$1 MLOPS_RUNNER_BUILDS_DIR=$work/builds Logging__LogLevel__Default=Warning \
    env Logging__LogLevel__MlOps.Runner.Jobs.JobRunner=Information dotnet runner/MlOps.Runner/bin/Release/net10.0/MlOps.Runner.dll >"$work/runner-$1.log" 2>&1 &
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
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }


if [ "$PART" != claims ]; then
# The project's mlops.yml: one trivial inline step per executor, manual trigger, pushed over Git HTTP.
git init -q -b main "$work/repo"
cat >"$work/repo/mlops.yml" <<'YAML'
pipelines:
  docker:
    on: { manual: true }
    steps:
      hi: { image: "mlops-bench/busybox:1", tags: [bench-docker], cache: false, run: echo hi }
  process:
    on: { manual: true }
    steps:
      hi: { image: "mlops-bench/busybox:1", tags: [bench-process], cache: false, run: echo hi }
YAML
git -C "$work/repo" add mlops.yml
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.com commit -qm bench
git -C "$work/repo" -c "http.extraHeader=Authorization: Bearer $MLOPS_ADMIN_TOKEN" push -q "$url/bench/p.git" main

start_runner docker bench-docker
start_runner process bench-process
sleep 5
runs() { dotnet bench/MlOps.Bench.Runner/bin/Release/net10.0/MlOps.Bench.Runner.dll jobs "$url" "$MLOPS_ADMIN_TOKEN" bench/p "$1" "$2" "$database" "${@:3}"; }
runs docker 2 >/dev/null; runs process 2 >/dev/null   # warm up both paths once
# Ours and the bare `docker run` alternate, one each, so that a drift in the engine's speed weighs on both alike.
runs docker "$N" docker run --rm --network none mlops-bench/busybox:1 /bin/sh -c 'echo hi' >"$work/docker.times"
ours_docker=$(cut -d' ' -f1 "$work/docker.times" | median)
bare_docker=$(cut -d' ' -f2 "$work/docker.times" | median)
ours_process=$(runs process "$N" | median)
bare_process=$(for _ in $(seq 1 "$N"); do t0=$(now_ns); /bin/sh -c 'echo hi' >/dev/null; echo "$(( $(now_ns) - t0 ))" | awk '{printf "%.1f\n", $1 / 1e6}'; done | median)
latency=$(psql -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - queued_at) * 1000)::numeric(10,1)
                   FROM jobs WHERE status = 'success'")
# Where the runner's time went, per phase, for the last Docker and process job (the runners log it at the end of each job).
# The server's own timestamps of the measured jobs: queued -> claimed (started_at) -> end reported (finished_at).
for e in docker process; do
  echo "$e: server side, medians: queued -> claimed $(psql -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - queued_at) * 1000)::numeric(10,1)
        FROM jobs WHERE status = 'success' AND 'bench-$e' = ANY (tags)") ms, claimed -> end reported $(psql -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::numeric(10,1)
        FROM jobs WHERE status = 'success' AND 'bench-$e' = ANY (tags)") ms"
  # Each job's "phase N.N ms" pairs, the two warm-up jobs left out, then each phase's median in the order phases happen.
  echo "$e: the runner's jobs, phase by phase, medians: $(grep -h -A1 "phases" "$work/runner-$e.log" | grep -o 'Job [0-9]* phases: .*' |
    tail -n +3 | sed 's/^Job [0-9]* phases: //; s/ ms//g' | tr ',' '\n' | sed 's/^ *//; s/ \([0-9.]*\)$/\t\1/' | sort -t$'\t' -k1,1 -k2,2n |
    awk -F'\t' '{ a[$1] = a[$1] " " $2 } END { split("stage,create,start,wait,output,artifacts,log flushed,final status", order, ",");
      for (i = 1; i in order; i++) { p = order[i]; if (!(p in a)) continue; n = split(substr(a[p], 2), v, " ");
        printf "%s %.1f ms; ", p, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) } }')"
done
echo "docker: one-step job end to end median ${ours_docker} ms, bare docker run ${bare_docker} ms, ratio $(awk "BEGIN {printf \"%.2f\", $ours_docker/$bare_docker}")x (target <= 1.2x)"
echo "process: one-step job end to end median ${ours_process} ms, bare process ${bare_process} ms, +$(awk "BEGIN {printf \"%.1f\", $ours_process-$bare_process}") ms (target <= +50 ms)"
echo "pending -> started on an idle runner: p50 ${latency} ms (target <= 50 ms)"
fi
[ "$PART" = jobs ] && exit 0

# Claims per second: 32 pollers (each a registered runner) over 3,000 pending jobs, seeded in one statement, after a
# warm-up round over 3,000 others (seeded first, so the measured round's jobs wait behind none of them).
kill "${pids[@]:1}" 2>/dev/null || true
psql -c "UPDATE jobs SET status = 'success' WHERE status IN ('pending', 'running')" >/dev/null
seed bench-claims-warm-up mlops-bench/busybox:1 3000 >/dev/null
seed bench-claims mlops-bench/busybox:1 3000 >/dev/null
dotnet bench/MlOps.Bench.Runner/bin/Release/net10.0/MlOps.Bench.Runner.dll claims "$url" "$MLOPS_RUNNER_REGISTRATION_TOKEN" 32 \
  "$work/claims.csv" bench-claims-warm-up bench-claims
psql -c "CREATE TABLE bench_claims (job_id bigint, runner text)"
psql -c "\copy bench_claims FROM '$work/claims.csv' WITH (FORMAT csv)"
psql -F ' ' -c "
  SELECT (SELECT count(*) FROM jobs WHERE tags && ARRAY['bench-claims-warm-up', 'bench-claims']),
         (SELECT count(*) FROM jobs WHERE tags && ARRAY['bench-claims-warm-up', 'bench-claims'] AND status = 'running' AND runner_id IS NOT NULL),
         (SELECT count(*) - count(DISTINCT job_id) FROM bench_claims),
         (SELECT count(*) FROM bench_claims c JOIN jobs j ON j.id = c.job_id JOIN runners r ON r.id = j.runner_id WHERE r.name <> c.runner)" |
  { read -r seeded running doubled moved
    echo "claims in the database: $seeded seeded, $running running (claimed once each), $doubled handed out twice, $moved held by another runner than told (target 0, 0)"; }
