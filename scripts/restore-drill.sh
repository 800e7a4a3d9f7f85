#!/usr/bin/env bash
# Backup and restore drill (docs/operations.md): runs a server as run.sh does, gives it data
# (a group, a project, a push with a Git LFS file), backs it up the documented way (pg_dump, then
# the data folder with secret.key), restores into a fresh PostgreSQL cluster and a fresh data
# folder, starts a server there and checks that the data is all back: the project, its push
# events and LFS objects through the API, and a clone with the LFS file byte for byte.
# Everything lives in a scratch folder that is removed at the end; prints PASS or dies.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_postgres
command -v git-lfs >/dev/null || die "git-lfs is required"

work=$(mktemp -d /tmp/mlops-drill.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop "$work/pg-old" 2>/dev/null || true
  pg_stop "$work/pg-new" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

log "building the server"
dotnet build src/MlOps.Server -c Release -nologo -v quiet >/dev/null || die "the server failed to build"
bin=$PWD/src/MlOps.Server/bin/Release/net10.0
token=drill-admin-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

# start_server DATA_DIR PG_PORT: the server as run.sh starts it; sets $url once it is ready.
start_server() {
  local port; port=$(free_port)
  MLOPS_DATA_DIR=$1 MLOPS_ADMIN_TOKEN=$token ASPNETCORE_ENVIRONMENT=Production \
  MLOPS_DATABASE_URL="Host=127.0.0.1;Port=$2;Username=postgres;Database=mlops" \
    dotnet "$bin/MlOps.Server.dll" --urls "http://127.0.0.1:$port" --contentRoot "$bin" >"$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { url=http://127.0.0.1:$port; return; }
    sleep 0.5
  done
  cat "$1.log" >&2; die "the server did not become ready"
}
api() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

log "the old installation: PostgreSQL, server, data"
old_pg=$(free_port); pg_start "$work/pg-old" "$old_pg"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$old_pg" -U postgres mlops
start_server "$work/data-old" "$old_pg"; old=$url
api -d '{"path":"acme","name":"ACME"}' "$old/api/v1/groups" >/dev/null
api -d '{"namespace":"acme","path":"iris","visibility":"private"}' "$old/api/v1/projects" >/dev/null
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0; mkdir -p "$HOME"
git config --global user.name drill; git config --global user.email drill@example.com; git config --global init.defaultBranch main
git lfs install >/dev/null
git init -q "$work/src"; (cd "$work/src" && git lfs track '*.bin' >/dev/null \
  && head -c 3000000 /dev/urandom >model.bin && echo "iris" >README.md && git add . && git commit -qm data \
  && git push -q "${old/http:\/\//http://admin:$token@}/acme/iris.git" main 2>/dev/null)
expect_sha=$(sha256sum "$work/src/model.bin" | cut -d' ' -f1)

log "backup: the database first, then the data folder (secret.key included)"
"$PG_BIN/pg_dump" -h 127.0.0.1 -p "$old_pg" -U postgres -Fc -f "$work/mlops.dump" mlops
tar -C "$work/data-old" -czf "$work/mlops-data.tar.gz" .
ls -l "$work/mlops.dump" "$work/mlops-data.tar.gz" | awk '{print "    " $5 " bytes  " $9}' >&2

log "the disaster: the old installation is gone"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
pg_stop "$work/pg-old"; rm -rf "$work/pg-old" "$work/data-old"

log "restore: a fresh cluster and data folder"
new_pg=$(free_port); pg_start "$work/pg-new" "$new_pg"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$new_pg" -U postgres mlops
"$PG_BIN/pg_restore" -h 127.0.0.1 -p "$new_pg" -U postgres -d mlops --no-owner --exit-on-error "$work/mlops.dump"
mkdir -p "$work/data-new"; tar -C "$work/data-new" -xzf "$work/mlops-data.tar.gz"
start_server "$work/data-new" "$new_pg"; new=$url

log "verify"
project=$(api "$new/api/v1/projects/acme/iris")
grep -q '"path":"iris"' <<<"$project" || die "the project is missing: $project"
events=$(api "$new/api/v1/projects/acme/iris/push_events")
grep -q '"ref":"refs/heads/main"' <<<"$events" || die "the push event is missing: $events"
lfs=$(api "$new/api/v1/projects/acme/iris/lfs_objects")
grep -q "\"oid\":\"$expect_sha\",\"size\":3000000" <<<"$lfs" || die "the LFS object is missing: $lfs"
git clone -q "${new/http:\/\//http://admin:$token@}/acme/iris.git" "$work/clone" 2>/dev/null || die "clone from the restored server failed"
[ "$(sha256sum "$work/clone/model.bin" | cut -d' ' -f1)" = "$expect_sha" ] || die "the LFS file differs after restore"
cmp -s "$work/data-new/secret.key" <(tar -xzOf "$work/mlops-data.tar.gz" ./secret.key) || die "secret.key was not restored"
echo "PASS: project, push events, LFS object ($expect_sha, 3000000 bytes) and a clone with LFS restored from pg_dump + data folder"
