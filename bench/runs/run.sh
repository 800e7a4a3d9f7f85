#!/usr/bin/env bash
# Push-to-run and webhook-ingest benchmark: a Release server on a throwaway PostgreSQL, then
# bench/MlOps.Bench.Runs (50 real `git push`es; GitLab deliveries at 2,000/s for 10 s, then 20,000
# back to back over 32 connections).
#
#   bench/runs/run.sh
#   PUSHES=20 DELIVERIES=5000 CONCURRENCY=16 RATE=2500 RATE_SECONDS=5 bench/runs/run.sh   (RATE=0: no open loop)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
apt_install git curl
ensure_postgres
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
work=$(mktemp -d /tmp/mlops-bench-runs.XXXXXX)
export HOME=$work/home; mkdir -p "$HOME"
git config --global user.name Bench; git config --global user.email bench@example.com; git config --global init.defaultBranch main
pg_port=$(free_port); port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
PG_FSYNC=off pg_start "$work/pg" "$pg_port"

log "building the server and the load generator (Release)"
dotnet build src/MlOps.Server -c Release -nologo -v quiet -o "$work/bin" >/dev/null
dotnet build bench/MlOps.Bench.Runs -c Release -nologo -v quiet -o "$work/bench" >/dev/null
token=mlops-bench-admin-token-0123456789
master_key=$(head -c 32 /dev/urandom | base64)
database="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
MLOPS_DATABASE_URL="$database" MLOPS_ADMIN_TOKEN=$token Secrets__MasterKey=$master_key \
  MLOPS_DATA_DIR=$work/data ASPNETCORE_URLS=http://127.0.0.1:$port Logging__LogLevel__Default=Warning \
  Hangfire__ServerEnabled=false dotnet "$work/bin/MlOps.Server.dll" > "$work/server.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; die "server did not start"; }

SERVER=http://127.0.0.1:$port TOKEN=$token DATABASE="$database" MASTER_KEY=$master_key \
  PUSH_FIXTURE=$PWD/tests/MlOps.Server.Tests/Fixtures/webhooks/gitlab/push.json dotnet "$work/bench/MlOps.Bench.Runs.dll"
