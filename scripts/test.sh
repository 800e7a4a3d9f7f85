#!/usr/bin/env bash
# The test command. Installs what the tests need (PostgreSQL, git, git-lfs, rsync, gitlab-ci-local,
# docker.io, busybox-static), starts a throwaway PostgreSQL cluster (and dockerd when no engine
# answers), runs every test project, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (https://dot.net)"
apt_install git git-lfs rsync ca-certificates busybox-static
ensure_postgres
git lfs install --skip-repo >/dev/null

# gitlab-ci-local runs generated .gitlab-ci.yml files in the pipeline tests; 4.45.0 is the last
# release that runs on Node 20.
tools=$PWD/.tools
if [ ! -x "$tools/node_modules/.bin/gitlab-ci-local" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  log "installing gitlab-ci-local 4.45.0"
  npm install --silent --no-audit --no-fund --prefix "$tools" gitlab-ci-local@4.45.0 >/dev/null
fi
export PATH="$tools/node_modules/.bin:$PATH"
export GITLAB_CI_LOCAL="$tools/node_modules/.bin/gitlab-ci-local"

work=$(mktemp -d /tmp/mlops-test.XXXXXX)
port=$(free_port)
# The runner's Docker tests need an engine; they build their images locally (no registry is reachable).
ensure_docker "$work/dockerd.log"
cleanup() { pg_stop "$work/pg"; stop_dockerd; rm -rf "$work"; }
trap cleanup EXIT
# Durability buys nothing for a throwaway cluster, and fsync dominates on slow disks.
PG_FSYNC=off pg_start "$work/pg" "$port"
export MLOPS_TEST_DATABASE_URL="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Maximum Pool Size=20"

log "building"
dotnet build MlOps.sln -c Release -nologo -v quiet || die "the build failed"
status=0
dotnet test MlOps.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$work/test.log" || status=$?

# One plain summary line over all test projects.
awk '/(Passed|Failed)!  - Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$work/test.log"
exit $status
