#!/usr/bin/env bash
# The run command: everything on one box. Initialises (or reuses) a PostgreSQL cluster in
# $MLOPS_DATA_DIR/postgres, starts it on a free local port, starts the server on
# http://127.0.0.1:$MLOPS_PORT (migrations apply at start-up) and one runner, and stops all of
# them on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (https://dot.net)"
apt_install git git-lfs ca-certificates curl
ensure_postgres
# The runner runs jobs in containers on the local engine; MLOPS_RUNNER_EXECUTOR=process runs them as plain processes instead.
export MLOPS_RUNNER_EXECUTOR=${MLOPS_RUNNER_EXECUTOR:-docker}
[ "$MLOPS_RUNNER_EXECUTOR" = docker ] && ensure_docker "${TMPDIR:-/tmp}/mlops-dockerd.log"

export MLOPS_DATA_DIR=$(realpath -m "${MLOPS_DATA_DIR:-$PWD/.data}")
export MLOPS_PORT=${MLOPS_PORT:-8080}
mkdir -p "$MLOPS_DATA_DIR"
pgdata=$MLOPS_DATA_DIR/postgres

# One run.sh per data folder: a second one would stop the first one's database.
exec 9>"$MLOPS_DATA_DIR/run.lock"
flock -n 9 || die "MlOps is already running on $MLOPS_DATA_DIR (another run.sh holds $MLOPS_DATA_DIR/run.lock)"

log "building"
dotnet build src/MlOps.Server -c Release -nologo -v quiet || die "the server failed to build"
dotnet build runner/MlOps.Runner -c Release -nologo -v quiet || die "the runner failed to build"

# The database holds real data: TCP logins need a password, made once and kept beside it.
pwfile=$MLOPS_DATA_DIR/postgres.password
[ -s "$pwfile" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$pwfile")
export PGPASSWORD=$(cat "$pwfile")

children=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop "$pgdata"
  stop_dockerd
  log "stopped"
}
trap stop_all INT TERM EXIT

# Reuse the port the cluster had last time, unless something else took it meanwhile. A
# postmaster.pid left by a crash (we hold the lock, so no run.sh owns it) is cleared by pg_ctl.
if [ -f "$pgdata/postmaster.pid" ]; then pg_stop "$pgdata"; fi
pgport=$(cat "$MLOPS_DATA_DIR/postgres.port" 2>/dev/null || true)
if [ -z "$pgport" ] || (exec 3<>"/dev/tcp/127.0.0.1/$pgport") 2>/dev/null; then pgport=$(free_port); fi
pg_start "$pgdata" "$pgport" "$pwfile"
echo "$pgport" >"$MLOPS_DATA_DIR/postgres.port"
"$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'mlops'" | grep -q 1 \
  || "$PG_BIN/createdb" -h 127.0.0.1 -p "$pgport" -U postgres mlops

# The local runner registers with a token the server and it share; made once, kept in the data folder.
if [ -z "${MLOPS_RUNNER_REGISTRATION_TOKEN:-}" ]; then
  tokenfile=$MLOPS_DATA_DIR/runner-registration-token
  [ -s "$tokenfile" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tokenfile")
  MLOPS_RUNNER_REGISTRATION_TOKEN=$(cat "$tokenfile")
fi
export MLOPS_RUNNER_REGISTRATION_TOKEN

export MLOPS_DATABASE_URL="Host=127.0.0.1;Port=$pgport;Username=postgres;Password=$PGPASSWORD;Database=mlops"
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}
url=http://127.0.0.1:$MLOPS_PORT
bin=$PWD/src/MlOps.Server/bin/Release/net10.0
dotnet "$bin/MlOps.Server.dll" --urls "$url" --contentRoot "$bin" &
children+=($!)

for _ in $(seq 1 120); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "${children[0]}" 2>/dev/null || die "the server exited during start-up"
  sleep 0.5
done
curl -fsS "$url/readyz" >/dev/null || die "the server did not become ready"

runner=$PWD/runner/MlOps.Runner/bin/Release/net10.0
MLOPS_URL=$url MLOPS_REGISTRATION_TOKEN=$MLOPS_RUNNER_REGISTRATION_TOKEN MLOPS_RUNNER_NAME=${MLOPS_RUNNER_NAME:-$(hostname)-local} \
MLOPS_RUNNER_CONFIG=$MLOPS_DATA_DIR/runner/runner.json MLOPS_RUNNER_BUILDS_DIR=$MLOPS_DATA_DIR/runner/builds DOTNET_ENVIRONMENT=Production \
  dotnet "$runner/MlOps.Runner.dll" --contentRoot "$runner" &
children+=($!)

if [ -n "${MLOPS_ADMIN_TOKEN:-}" ]; then login="the value of MLOPS_ADMIN_TOKEN (user admin)"
else login="printed above on the first start (or set MLOPS_ADMIN_TOKEN to choose one)"; fi
cat <<INFO

  MlOps is running at $url        (data: $MLOPS_DATA_DIR, one local runner: $MLOPS_RUNNER_EXECUTOR executor)
  Log in with the admin token: $login
    curl -H "Authorization: Bearer \$TOKEN" $url/api/v1/user
  API description: $url/openapi/v1.json      Press Ctrl-C to stop.

INFO
wait "${children[0]}"
