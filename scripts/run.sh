#!/usr/bin/env bash
# The run command: everything on one box. Initialises (or reuses) a PostgreSQL cluster in
# $MLOPS_DATA_DIR/postgres, starts it on a free local port, starts the server on
# http://127.0.0.1:$MLOPS_PORT (migrations apply at start-up), and stops both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (https://dot.net)"
apt_install git git-lfs ca-certificates
ensure_postgres

export MLOPS_DATA_DIR=$(realpath -m "${MLOPS_DATA_DIR:-$PWD/.data}")
export MLOPS_PORT=${MLOPS_PORT:-8080}
mkdir -p "$MLOPS_DATA_DIR"
pgdata=$MLOPS_DATA_DIR/postgres

# Reuse the port the cluster had last time, unless something else took it meanwhile.
pgport=$(cat "$MLOPS_DATA_DIR/postgres.port" 2>/dev/null || true)
if [ -z "$pgport" ] || (exec 3<>"/dev/tcp/127.0.0.1/$pgport") 2>/dev/null; then pgport=$(free_port); fi
if [ -f "$pgdata/postmaster.pid" ]; then pg_stop "$pgdata"; fi
pg_start "$pgdata" "$pgport"
echo "$pgport" >"$MLOPS_DATA_DIR/postgres.port"
pg_user_run "$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'mlops'" | grep -q 1 \
  || pg_user_run "$PG_BIN/createdb" -h 127.0.0.1 -p "$pgport" -U postgres mlops

children=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop "$pgdata"
  log "stopped"
}
trap stop_all INT TERM EXIT

log "building"
dotnet build src/MlOps.Server -c Release -nologo -v quiet | grep -vE '^\s*$' || true
dotnet build runner/MlOps.Runner -c Release -nologo -v quiet | grep -vE '^\s*$' || true

# The local runner registers with a token the server and it share; made once, kept in the data folder.
if [ -z "${MLOPS_RUNNER_REGISTRATION_TOKEN:-}" ]; then
  tokenfile=$MLOPS_DATA_DIR/runner-registration-token
  [ -s "$tokenfile" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tokenfile")
  MLOPS_RUNNER_REGISTRATION_TOKEN=$(cat "$tokenfile")
fi
export MLOPS_RUNNER_REGISTRATION_TOKEN

export MLOPS_DATABASE_URL="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=mlops"
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

MLOPS_URL=$url MLOPS_REGISTRATION_TOKEN=$MLOPS_RUNNER_REGISTRATION_TOKEN MLOPS_RUNNER_NAME=${MLOPS_RUNNER_NAME:-$(hostname)-local} \
MLOPS_RUNNER_CONFIG=$MLOPS_DATA_DIR/runner/runner.json DOTNET_ENVIRONMENT=Production \
  dotnet "$PWD/runner/MlOps.Runner/bin/Release/net10.0/MlOps.Runner.dll" --contentRoot "$PWD/runner/MlOps.Runner/bin/Release/net10.0" &
children+=($!)

cat <<INFO

  MlOps is running at $url        (data: $MLOPS_DATA_DIR, one local runner)
  Log in with the admin token: ${MLOPS_ADMIN_TOKEN:+the value of MLOPS_ADMIN_TOKEN}${MLOPS_ADMIN_TOKEN:-printed above on the first start (set MLOPS_ADMIN_TOKEN to choose one)}
    curl -H "Authorization: Bearer \$TOKEN" $url/api/v1/user
  API description: $url/openapi/v1.json      Press Ctrl-C to stop.

INFO
wait "${children[0]}"
