# Shared helpers for run.sh and test.sh: installing what is missing and running a private
# PostgreSQL cluster in a folder of our own. Sourced, not executed.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else die "need root to run: $*"; fi
}

# apt_install PACKAGE... : installs Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  return 1
}

ensure_postgres() {
  pg_bin >/dev/null || apt_install postgresql
  PG_BIN=$(pg_bin) || die "PostgreSQL server binaries not found after installing postgresql"
  export PG_BIN
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# PostgreSQL refuses to run as root, so when we are root the cluster belongs to `postgres`.
pg_user_run() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/sh postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_start DATADIR PORT [PASSWORDFILE] : initialises DATADIR if empty and starts a server on
# 127.0.0.1:PORT. With a password file, TCP connections need that password (scram-sha-256);
# without one (throwaway test clusters) they are trusted.
pg_start() {
  local data=$1 port=$2 pwfile=${3:-}
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$data"
    # postgres must be able to reach its data folder through our checkout.
    local d; d=$(dirname "$data"); while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
  fi
  chmod 700 "$data"
  if [ ! -s "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $data"
    local auth=(--auth=trust)
    if [ -n "$pwfile" ]; then
      [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
      auth=(--auth-local=peer --auth-host=scram-sha-256 "--pwfile=$pwfile")
    fi
    pg_user_run "$PG_BIN/initdb" -D "$data" -U postgres "${auth[@]}" --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  pg_user_run "$PG_BIN/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on}" start >/dev/null \
    || { cat "$data/server.log" >&2; die "PostgreSQL did not start"; }
}

pg_stop() {
  local data=$1
  [ -f "$data/postmaster.pid" ] && pg_user_run "$PG_BIN/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
}

# ensure_docker [LOGFILE] : makes sure a Docker engine answers on the local socket. Without one, installs
# docker.io and starts dockerd without iptables or a bridge (jobs run with --network none unless a
# runner allows otherwise), and sets DOCKERD_STARTED to its pid so the caller can stop it.
DOCKERD_STARTED=
ensure_docker() {
  local logfile=${1:-/tmp/mlops-dockerd.log}
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null || apt_install docker.io
  [ "$(id -u)" = 0 ] || die "no Docker engine answers and starting one needs root: run 'sudo dockerd --iptables=false --bridge=none &' or start the docker service"
  log "starting dockerd (log: $logfile)"
  dockerd --iptables=false --bridge=none >"$logfile" 2>&1 &
  DOCKERD_STARTED=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done
  cat "$logfile" >&2
  die "dockerd did not start"
}

stop_dockerd() {
  if [ -n "$DOCKERD_STARTED" ]; then kill "$DOCKERD_STARTED" 2>/dev/null || true; wait "$DOCKERD_STARTED" 2>/dev/null || true; fi
}
