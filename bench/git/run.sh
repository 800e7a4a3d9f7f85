#!/usr/bin/env bash
# Git hosting benchmark. Clones through the server (Release build, throwaway PostgreSQL) and
# compares them with `git clone file://` of the same bare repositories and with
# `git http-backend` behind lighttpd (CGI). Then samples the server's RSS while 8 clients
# clone at once. Prints the figures; fixtures are cached in $MLOPS_BENCH_CACHE.
#
#   bench/git/run.sh                 # 10,000 commits, 1 GiB LFS dataset, 3 runs each
#   COMMITS=2000 LFS_MB=100 RUNS=1 bench/git/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
source scripts/lib.sh

COMMITS=${COMMITS:-10000}
LFS_MB=${LFS_MB:-1024}
PACK_MB=${PACK_MB:-256}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-8}
cache=${MLOPS_BENCH_CACHE:-/tmp/mlops-bench-git}
apt_install git git-lfs lighttpd python3 bc
ensure_postgres
git lfs install --skip-repo >/dev/null
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 HOME=$cache/home
mkdir -p "$cache/home"
git config --global user.name Bench; git config --global user.email bench@example.com
git config --global init.defaultBranch main; git config --global lfs.locksverify false
git lfs install >/dev/null

# --- fixtures (cached) -------------------------------------------------------------------------
if [ ! -d "$cache/history-$COMMITS.git" ]; then
  log "generating a repository with $COMMITS commits"
  rm -rf "$cache/tmp.git"; git init -q --bare "$cache/tmp.git"
  python3 bench/git/make_history.py "$COMMITS" | git -C "$cache/tmp.git" fast-import --quiet
  git -C "$cache/tmp.git" repack -adq
  mv "$cache/tmp.git" "$cache/history-$COMMITS.git"
fi
if [ ! -d "$cache/dataset-$LFS_MB" ]; then
  log "generating a $LFS_MB MiB LFS dataset"
  rm -rf "$cache/tmp-ds"; mkdir -p "$cache/tmp-ds/data"
  ( cd "$cache/tmp-ds" && git init -q && git lfs track '*.bin' >/dev/null \
    && head -c "${LFS_MB}M" /dev/urandom > data/dataset.bin && git add . && git commit -qm dataset )
  mv "$cache/tmp-ds" "$cache/dataset-$LFS_MB"
fi
if [ ! -d "$cache/dataset-$LFS_MB.git" ]; then
  git init -q --bare "$cache/dataset-$LFS_MB.git"
  git -C "$cache/dataset-$LFS_MB" push -q "file://$cache/dataset-$LFS_MB.git" main
fi
if [ ! -d "$cache/bigpack-$PACK_MB.git" ]; then
  log "generating a repository with a $PACK_MB MiB pack"
  rm -rf "$cache/tmp-bp"; mkdir -p "$cache/tmp-bp"
  ( cd "$cache/tmp-bp" && git init -q && head -c "${PACK_MB}M" /dev/urandom > blob.bin && git add . && git commit -qm big )
  git init -q --bare "$cache/bigpack-$PACK_MB.git"
  git -C "$cache/tmp-bp" push -q "file://$cache/bigpack-$PACK_MB.git" main
  rm -rf "$cache/tmp-bp"
fi

# --- server, database, CGI server --------------------------------------------------------------
work=$(mktemp -d /tmp/mlops-bench.XXXXXX)
pg_port=$(free_port); port=$(free_port); cgi_port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; cp "$work/server.log" "$cache/server.log" 2>/dev/null || true; pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
PG_FSYNC=off pg_start "$work/pg" "$pg_port"

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
api "http://127.0.0.1:$port/api/v1/groups" -d '{"path":"bench","visibility":"private"}'
for p in history dataset bigpack; do
  api "http://127.0.0.1:$port/api/v1/projects" -d "{\"namespace\":\"bench\",\"path\":\"$p\",\"visibility\":\"private\"}"
done
url() { echo "http://admin:$token@127.0.0.1:$port/bench/$1.git"; }

log "pushing the fixtures to the server"
git -C "$cache/history-$COMMITS.git" push -q "$(url history)" main
git -C "$cache/bigpack-$PACK_MB.git" push -q "$(url bigpack)" main
start=$(date +%s.%N)
git -C "$cache/dataset-$LFS_MB" push -q "$(url dataset)" main
push_lfs=$(echo "$(date +%s.%N) - $start" | bc)

# The server repacks a pushed pack in the background, with a bitmap; wait for that, as the
# history fixture was repacked too, so that both sides serve the same layout. (The other two
# pushes have fewer than 100 objects and are stored loose, by git, on both sides.)
for _ in $(seq 1 240); do
  n=$(find "$work/data/repositories" -name '*.bitmap' | wc -l); [ "$n" -ge 1 ] && break; sleep 0.5
done
log "history repository repacked with a bitmap: $([ "$n" -ge 1 ] && echo yes || echo no)"

cat > "$work/lighttpd.conf" <<CONF
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
server.document-root = "$work"
server.bind = "127.0.0.1"
server.port = $cgi_port
server.errorlog = "$work/lighttpd.log"
alias.url = ("/git/" => "/usr/lib/git-core/git-http-backend/")
\$HTTP["url"] =~ "^/git/" {
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "$cache", "GIT_HTTP_EXPORT_ALL" => "1")
}
CONF
cgi=""
if command -v lighttpd >/dev/null; then
  lighttpd -D -f "$work/lighttpd.conf" & pids+=("$!"); sleep 1
  git ls-remote "http://127.0.0.1:$cgi_port/git/history-$COMMITS.git" >/dev/null 2>&1 && cgi=yes || log "http-backend via lighttpd not reachable; skipping"
fi

# --- timings -----------------------------------------------------------------------------------
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_clone() { # URL -> median seconds over RUNS clones
  for _ in $(seq 1 "$RUNS"); do
    rm -rf "$work/clone"; sync
    local s; s=$(date +%s.%N); git clone -q "$1" "$work/clone"; echo "$(date +%s.%N) - $s" | bc
  done | median
}
ratio() { echo "scale=2; $1 / $2" | bc; }

log "timing clones ($RUNS runs each, median)"
h_srv=$(time_clone "$(url history)"); log "history via server: ${h_srv}s"
h_file=$(time_clone "file://$cache/history-$COMMITS.git"); log "history via file://: ${h_file}s"
[ -n "$cgi" ] && { h_cgi=$(time_clone "http://127.0.0.1:$cgi_port/git/history-$COMMITS.git"); log "history via http-backend: ${h_cgi}s"; }
d_srv=$(time_clone "$(url dataset)"); log "dataset via server: ${d_srv}s"
d_file=$(time_clone "file://$cache/dataset-$LFS_MB.git"); log "dataset via file://: ${d_file}s"
git -C "$work/clone" lfs fsck >/dev/null
oid=$(git -C "$work/clone" lfs ls-files -l | cut -d' ' -f1)
rm -rf "$work/clone"
# The server's own share of an LFS clone: the object alone, to /dev/null.
d_raw=$(for _ in $(seq 1 "$RUNS"); do
  curl -sf -o /dev/null -w '%{time_total}\n' "http://admin:$token@127.0.0.1:$port/bench/dataset.git/info/lfs/objects/$oid"
done | median); log "dataset object alone via server (curl): ${d_raw}s"

# --- memory while CLIENTS clone at once --------------------------------------------------------
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$server_pid/status"; }
parallel_peak() { # URL -> "peak_rss_mib seconds"
  local peak; peak=$(rss); local s; s=$(date +%s.%N)
  local cp=()
  for i in $(seq 1 "$CLIENTS"); do rm -rf "$work/par$i"; git clone -q "$1" "$work/par$i" & cp+=("$!"); done
  while alive "${cp[@]}"; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.1; done
  for p in "${cp[@]}"; do wait "$p"; done
  echo "$peak $(echo "$(date +%s.%N) - $s" | bc)"
  rm -rf "$work"/par* 2>/dev/null || true
}
baseline=$(rss)
read -r m_hist t_hist < <(parallel_peak "$(url history)")
read -r m_pack t_pack < <(parallel_peak "$(url bigpack)")
read -r m_lfs t_lfs < <(parallel_peak "$(url dataset)")

pack_size=$(du -sm "$cache/bigpack-$PACK_MB.git" | cut -f1)
echo
echo "Git hosting benchmark ($(nproc) cores; git $(git --version | cut -d' ' -f3), $(git lfs version | cut -d' ' -f1))"
printf '%-44s %9s %9s %9s %12s %12s\n' "clone" "server s" "file:// s" "cgi s" "srv/file" "srv/cgi"
printf '%-44s %9.2f %9.2f %9.2f %12s %12s\n' "history: $COMMITS commits" "$h_srv" "$h_file" "${h_cgi:-0}" \
  "$(ratio "$h_srv" "$h_file")" "$([ -n "$cgi" ] && ratio "$h_srv" "$h_cgi" || echo -)"
printf '%-44s %9.2f %9.2f %9s %12s %12s\n' "dataset: $LFS_MB MiB in LFS" "$d_srv" "$d_file" "-" "$(ratio "$d_srv" "$d_file")" "-"
printf 'LFS object alone via the server (curl to /dev/null): %.2fs = %d MiB/s\n' "$d_raw" "$(echo "$LFS_MB / $d_raw" | bc)"
printf 'LFS push of %s MiB through the server: %.2fs\n' "$LFS_MB" "$push_lfs"
echo
echo "server RSS (MiB): idle after the runs $baseline"
printf '  %-42s peak %5s MiB  (%.1fs)\n' "$CLIENTS clients clone history" "$m_hist" "$t_hist"
printf '  %-42s peak %5s MiB  (%.1fs)\n' "$CLIENTS clients clone bigpack ($pack_size MiB pack)" "$m_pack" "$t_pack"
printf '  %-42s peak %5s MiB  (%.1fs)\n' "$CLIENTS clients clone dataset ($LFS_MB MiB LFS)" "$m_lfs" "$t_lfs"
