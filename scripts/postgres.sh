#!/usr/bin/env bash
# Runs the local PostgreSQL 15 of the services: loopback only, TLS 1.3 only, and logins only by
# client certificate (role = the certificate's CN). See --help.
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: scripts/postgres.sh start|stop|status|install [--data DIR] [--port N] [--certs DIR] [--no-sync]

Runs Debian's PostgreSQL 15 for the auth, order and payment services:

  start    initializes DIR on the first run, then starts the server and waits until it accepts
           connections (at most 60 s). On a running server it only refreshes the certificates
           and configuration and reloads. Nothing that exists is regenerated; a role or database
           of the list below that an older cluster lacks is added (a running server is restarted
           once for that).
  stop     stops the server (fast shutdown: open sessions are ended).
  status   says whether the server runs; exit status 0 if it does, 3 if not.
  install  only installs PostgreSQL 15 when it is missing (as root, with apt-get), as start would;
           for machines that run the tests, which start servers of their own

Options:
  --data DIR    the cluster's data directory (default: data/postgres in the repository)
  --port N      the TCP port on 127.0.0.1 (default: 55432)
  --certs DIR   where scripts/generate_certs.sh keeps its files (default: certs in the repository);
                start needs ca-cert.pem and postgres-cert.pem + postgres-key.pem from it, or
                ca-key.pem too, to issue the server certificate
  --no-sync     for throw-away clusters such as the tests': initialize without waiting for the disk,
                and run with fsync = off (a crash of the machine may lose or corrupt the data)
  -h, --help    this text

What start sets up:
  - the server listens on 127.0.0.1:N only; its Unix socket is in DIR (and admits nobody);
  - TLS 1.3 only, with certs/postgres-cert.pem (made by scripts/generate_certs.sh postgres when
    missing, expiring or not from the current CA), trusting only certs/ca-cert.pem, refusing
    certificates in certs/crl.pem when that file exists; the files are copied into DIR (mode 0600)
    on every start, so run start again after renewing certificates or the CRL;
  - pg_hba.conf allows exactly "hostssl auth auth 127.0.0.1/32 cert",
    "hostssl order order 127.0.0.1/32 cert" and "hostssl payment payment 127.0.0.1/32 cert": a
    client certificate of the CA whose CN is the role, no passwords, nothing else (the file is
    rewritten on every start);
  - roles auth, order and payment (LOGIN, no password, not superuser), each owning its database.

When run as root (PostgreSQL refuses to run as root) the server runs as the system user
tiktokmall-pg, created when missing, which owns DIR (mode 0700). When the PostgreSQL 15 binaries
are missing and you are root, start installs the postgresql-15 package with apt-get and keeps
Debian's own cluster (port 5432) stopped.

Connect, e.g. as order:
  psql "host=127.0.0.1 port=55432 dbname=order user=order sslmode=verify-full \
        sslrootcert=certs/ca-cert.pem sslcert=certs/order-cert.pem sslkey=certs/order-key.pem"
HELP
}

die() { echo "postgres.sh: $*" >&2; exit 1; }

root_dir=$(cd "$(dirname "$0")/.." && pwd)
pg_bin=/usr/lib/postgresql/15/bin
server_user=tiktokmall-pg
roles=(auth order payment) # each a LOGIN role owning a database of its name
roles_file=tiktokmall.roles # in DIR: the roles and databases start has made sure of

command="" data="$root_dir/data/postgres" port=55432 certs="$root_dir/certs" no_sync=false
while (($#)); do
  case "$1" in
    start|stop|status|install) [[ -z $command ]] || die "one command at a time (see --help)"; command=$1; shift ;;
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --certs) certs=${2:?--certs needs a directory}; shift 2 ;;
    --no-sync) no_sync=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "postgres.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n $command ]] || { usage >&2; exit 2; }
if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || ((port > 65535)); then
  echo "postgres.sh: --port must be 1-65535, not '$port'" >&2; exit 2
fi
data=$(realpath -m -- "$data")
certs=$(realpath -m -- "$certs")
# The path goes into postgresql.conf as a quoted, comma-separated list, and into a socket address.
[[ $data != *[\',\"\\]* && $data != *$'\n'* ]] || die "the data directory path must not contain quotes, commas or backslashes: $data"
socket="$data/.s.PGSQL.$port"
((${#socket} <= 107)) || die "the socket path $socket is longer than 107 bytes; use a shorter --data"

show() { # a path as the user would type it: relative to the current directory when inside it
  case "$1" in "$PWD"/*) echo "${1#"$PWD"/}" ;; *) echo "$1" ;; esac
}

cleanup=()
on_exit() { local item; for item in "${cleanup[@]}"; do rm -rf -- "$item"; done; }
trap on_exit EXIT

is_root() { ((EUID == 0)); }

as_server() { # runs a command as the server user, from / (the caller's directory may be closed to it)
  if is_root; then (cd / && runuser -u "$server_user" -- "$@"); else (cd / && "$@"); fi
}

install_server() {
  is_root || die "PostgreSQL 15 is not installed ($pg_bin/postgres is missing); run this as root to install it, or: sudo apt-get install postgresql-15"
  command -v apt-get >/dev/null || die "PostgreSQL 15 is not installed and this is not a Debian system; install PostgreSQL 15 so that $pg_bin exists"
  echo "Installing PostgreSQL 15 (apt-get install postgresql-15) ..."
  # Debian's package creates a cluster of its own on port 5432 and starts it; policy-rc.d forbids
  # the start, and the cluster is then set to manual so that it stays down after a reboot too.
  local policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# Temporary, from scripts/postgres.sh: no service starts during the install.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    cleanup+=("$policy")
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15
  if command -v pg_lsclusters >/dev/null; then
    local version name cluster_port status rest
    while read -r version name cluster_port status rest; do
      [[ $status == online* ]] && pg_ctlcluster "$version" "$name" stop
      [[ -f /etc/postgresql/$version/$name/start.conf ]] && echo manual >"/etc/postgresql/$version/$name/start.conf"
      echo "Debian's cluster $version/$name (port $cluster_port) is stopped and set to manual start"
    done < <(pg_lsclusters --no-header)
  fi
  [[ -x $pg_bin/postgres ]] || die "the install did not provide $pg_bin/postgres"
}

ensure_server_user() {
  is_root || return 0
  getent passwd "$server_user" >/dev/null && return 0
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "TikTokMall local PostgreSQL" "$server_user"
  echo "Created the system user $server_user (PostgreSQL does not run as root)"
}

server_user_name() { if is_root; then echo "$server_user"; else id -un; fi; }

check_owner() { # the data directory must belong to the user the server runs as
  local expected owner
  expected=$(server_user_name)
  owner=$(stat -c %U -- "$data")
  [[ $owner == "$expected" ]] ||
    die "$data belongs to $owner, but the server runs as $expected; chown -R $expected: $data, or use another --data"
}

ensure_parent() { # the server user must reach the data directory; its parent is made if missing
  local parent dir blocked
  parent=$(dirname -- "$data")
  dir=$parent
  while [[ ! -e $dir ]]; do dir=$(dirname -- "$dir"); done
  while [[ $dir != / ]] && ! as_server test -x "$dir"; do blocked=$dir; dir=$(dirname -- "$dir"); done
  if [[ ${blocked:-} == "$parent" ]] && is_root && [[ $(stat -c %U -- "$parent") == root ]]; then
    # Only the parent is closed, as data/ is once the services made their H2 files private: let the
    # server's group pass through (0710), as for a parent made here; nothing in it becomes readable.
    chgrp "$server_user" -- "$parent" && chmod 0710 -- "$parent"
    blocked=
  fi
  [[ -z ${blocked:-} ]] || die "the server user ($(server_user_name)) cannot reach $data: $blocked is closed to it; use a --data outside it, or let it pass (e.g. setfacl -m u:$(server_user_name):x $blocked)"
  [[ -d $parent ]] && return 0
  mkdir -p -- "$parent"
  # Owner-only, except that the server's group may pass through to its data directory.
  if is_root; then chgrp "$server_user" -- "$parent" && chmod 0710 -- "$parent"; else chmod 0700 -- "$parent"; fi
}

server_version() { [[ -f $data/PG_VERSION ]] && cat -- "$data/PG_VERSION"; }

init_cluster() {
  if [[ -e $data ]]; then
    [[ -d $data && -z "$(ls -A -- "$data")" ]] ||
      die "$data exists but is not a PostgreSQL data directory; move it away or use another --data"
    rmdir -- "$data"
  fi
  # Built beside the final place and renamed into it when complete: an interrupted first start
  # leaves no half-made cluster behind.
  local staging
  staging=$(mktemp -d "$data.init.XXXXXX")
  cleanup+=("$staging")
  chmod 0700 -- "$staging"
  is_root && chown "$server_user:" -- "$staging"
  echo "Initializing a PostgreSQL 15 cluster in $(show "$data") ..."
  local init_options=()
  if $no_sync; then init_options+=(--no-sync); fi
  # --auth=reject: pg_hba.conf never admits anyone before it is rewritten below.
  as_server "$pg_bin/initdb" --pgdata="$staging" --username=postgres --auth=reject \
    --encoding=UTF8 --no-locale --data-checksums "${init_options[@]}" >"$staging.log" 2>&1 ||
    { cat -- "$staging.log" >&2; rm -f -- "$staging.log"; die "initdb failed"; }
  rm -f -- "$staging.log"
  ensure_roles "$staging"
  printf '\n# Written by scripts/postgres.sh on every start: listen address, port, TLS, logging.\ninclude = '\''tiktokmall.conf'\''\n' |
    as_server tee -a "$staging/postgresql.conf" >/dev/null
  mv -T -- "$staging" "$data"
}

single_user() { # DIR: runs the SQL on stdin in single-user mode on the stopped cluster DIR, prints what it says
  # Single-user mode needs no login method for the superuser: the running server only ever admits
  # the client-certificate logins of the roles.
  local options=() output
  if $no_sync; then options+=(-c fsync=off); fi
  if ! output=$(as_server "$pg_bin/postgres" --single "${options[@]}" -D "$1" postgres 2>&1) ||
    grep -qE '(ERROR|FATAL|PANIC):' <<<"$output"; then
    echo "$output" >&2
    return 1
  fi
  printf '%s\n' "$output"
}

ensure_roles() { # DIR: creates the roles and databases of the list that the stopped cluster DIR lacks
  local list="" role existing sql="" new_roles=() new_databases=()
  for role in "${roles[@]}"; do list+="${list:+, }'$role'"; done
  existing=$(single_user "$1" <<SQL
SELECT 'role ' || rolname FROM pg_roles WHERE rolname IN ($list) UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datname IN ($list);
SQL
  ) || die "reading the roles and databases of $(show "$1") failed"
  existing=$(sed -n 's/^[[:space:]]*1: [^=]*= "\([^"]*\)".*/\1/p' <<<"$existing")
  for role in "${roles[@]}"; do # quoted names: "order" is a keyword
    if ! grep -qxF "role $role" <<<"$existing"; then
      sql+="CREATE ROLE \"$role\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;"$'\n'
      new_roles+=("$role")
    fi
    if ! grep -qxF "database $role" <<<"$existing"; then
      sql+="CREATE DATABASE \"$role\" OWNER \"$role\";"$'\n'"REVOKE ALL ON DATABASE \"$role\" FROM PUBLIC;"$'\n'
      new_databases+=("$role")
    fi
  done
  if [[ -n $sql ]]; then
    single_user "$1" <<<"$sql" >/dev/null || die "creating the roles and databases failed"
    ((${#new_roles[@]} == 0)) ||
      echo "Created the role$( ((${#new_roles[@]} == 1)) || echo s) ${new_roles[*]} (LOGIN, no password, not superuser)"
    ((${#new_databases[@]} == 0)) ||
      echo "Created the database$( ((${#new_databases[@]} == 1)) || echo s) ${new_databases[*]}, owned by the role of its name"
  fi
  printf '%s\n' "${roles[@]}" | as_server tee "$1/$roles_file" >/dev/null
}

roles_recorded() { # whether start has made sure of every role and database of the list in DIR
  local role
  for role in "${roles[@]}"; do
    grep -qxF "$role" -- "$data/$roles_file" 2>/dev/null || return 1
  done
}

changed=false # set by install_file and write_config when they change a file of the data directory

install_file() { # src dest: copies src into the data directory, owner-only, unless dest has its content
  [[ -f $2 ]] && cmp -s -- "$1" "$2" && return 0
  if is_root; then install -m 0600 -o "$server_user" -g "$server_user" -- "$1" "$2"; else install -m 0600 -- "$1" "$2"; fi
  changed=true
}

write_config() { # name, content on stdin: replaces DIR/name unless it has this content
  local content
  content=$(cat)
  [[ -f $data/$1 && "$(cat -- "$data/$1")" == "$content" ]] && return 0
  printf '%s\n' "$content" | as_server tee "$data/$1.new" >/dev/null
  as_server chmod 0600 "$data/$1.new"
  mv -f -- "$data/$1.new" "$data/$1"
  changed=true
}

configure() { # brings the TLS files and the two configuration files up to date
  local cert="$certs/postgres-cert.pem" key="$certs/postgres-key.pem" ca="$certs/ca-cert.pem"
  if [[ -s $cert && -s $key && -s $ca ]] &&
    openssl verify -CAfile "$ca" "$cert" >/dev/null 2>&1 &&
    openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null 2>&1; then
    : # good for another day and from the current CA: kept (a CA without its key is fine then)
  else
    echo "Server certificate $(show "$cert"): missing, expiring or not from $(show "$ca"); issuing one"
    "$root_dir/scripts/generate_certs.sh" --out "$(show "$certs")" postgres | sed 's/^/  /'
  fi
  install_file "$cert" "$data/server.crt"
  install_file "$key" "$data/server.key"
  install_file "$ca" "$data/root.crt"
  local crl_setting="ssl_crl_file = ''"
  if [[ -s $certs/crl.pem ]]; then
    install_file "$certs/crl.pem" "$data/root.crl"
    crl_setting="ssl_crl_file = 'root.crl'            # certs/crl.pem: revoked certificates are refused"
  elif [[ -e $data/root.crl ]]; then
    rm -f -- "$data/root.crl"
    changed=true
  fi
  local durability="fsync = on"
  if $no_sync; then durability="fsync = off                           # --no-sync: a throw-away cluster"; fi
  write_config tiktokmall.conf <<CONF
# Written by scripts/postgres.sh on every start; change the script, not this file.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
unix_socket_permissions = 0700

ssl = on
ssl_min_protocol_version = 'TLSv1.3'
ssl_cert_file = 'server.crt'          # certs/postgres-cert.pem
ssl_key_file = 'server.key'           # certs/postgres-key.pem
ssl_ca_file = 'root.crt'              # certs/ca-cert.pem: the only CA client certificates may come from
$crl_setting

log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
$durability
CONF
  local role
  {
    cat <<'HBA'
# Written by scripts/postgres.sh on every start; change the script, not this file.
# Only TLS connections from loopback, only by client certificate (verified against ssl_ca_file,
# its CN must equal the role), each role only to its own database. No passwords, no other
# method, no Unix-socket logins: whatever matches no line is refused.
#
# TYPE   DATABASE  USER     ADDRESS       METHOD
HBA
    for role in "${roles[@]}"; do printf 'hostssl  %-8s  %-7s  127.0.0.1/32  cert\n' "$role" "$role"; done
  } | write_config pg_hba.conf
}

running() { [[ -f $data/postmaster.pid ]] && as_server "$pg_bin/pg_ctl" status -D "$data" >/dev/null 2>&1; }

running_port() { sed -n 4p -- "$data/postmaster.pid" 2>/dev/null; }

connect_hint() {
  local c
  c=$(show "$certs")
  cat <<EOF
PostgreSQL 15 runs on 127.0.0.1:$port (TLS 1.3, client certificates only); data in $(show "$data")
Connect as order (or auth or payment, with its database and certificate):
  psql "host=127.0.0.1 port=$port dbname=order user=order sslmode=verify-full sslrootcert=$c/ca-cert.pem sslcert=$c/order-cert.pem sslkey=$c/order-key.pem"
Stop it with: scripts/postgres.sh stop$( [[ $data == "$root_dir/data/postgres" ]] || echo " --data $(show "$data")")
EOF
  local role
  for role in "${roles[@]}"; do
    [[ -s $certs/$role-cert.pem ]] || { echo "(no $c/$role-cert.pem yet: make the service certificates with scripts/generate_certs.sh)"; break; }
  done
}

start() {
  [[ -x $pg_bin/postgres && -x $pg_bin/initdb && -x $pg_bin/pg_ctl ]] || install_server
  command -v openssl >/dev/null || die "openssl is required (apt-get install openssl)"
  ensure_server_user
  ensure_parent
  local version
  version=$(server_version || true)
  if [[ -z $version ]]; then
    init_cluster
  elif [[ $version != 15 ]]; then
    die "$data holds a PostgreSQL $version cluster; this script runs PostgreSQL 15"
  else
    check_owner
  fi
  if running; then
    local current
    current=$(running_port)
    [[ $current == "$port" ]] || die "the server already runs on port $current; stop it first to change the port"
  fi
  if running && ! roles_recorded; then
    # A cluster made by an older version of this script (before payment): roles are made only in
    # single-user mode, which needs the server stopped.
    echo "$(show "$data") was made by an older scripts/postgres.sh: restarting the server once to add what it lacks of the roles and databases ${roles[*]}"
    stop
  fi
  if running; then
    configure
    if $changed; then
      as_server "$pg_bin/pg_ctl" reload -D "$data" >/dev/null
      echo "Already running; reloaded the changed certificates or configuration"
    else
      echo "Already running"
    fi
    connect_hint
    return
  fi
  roles_recorded || ensure_roles "$data"
  configure
  local log="$data/server.log"
  if ! as_server "$pg_bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 >/dev/null; then
    echo "---- last lines of $(show "$log") ----" >&2
    tail -n 20 -- "$log" >&2
    die "PostgreSQL did not start"
  fi
  local _
  for _ in $(seq 1 20); do
    # A TLS handshake with the server; the login itself is refused (no pg_hba.conf line), which
    # still counts as an answer. The log shows it as user "ready-check".
    if "$pg_bin/pg_isready" -q -t 2 \
      -d "host=127.0.0.1 port=$port sslmode=require user=ready-check dbname=ready-check"; then
      connect_hint
      return
    fi
    sleep 0.5
  done
  echo "---- last lines of $(show "$log") ----" >&2
  tail -n 20 -- "$log" >&2
  die "PostgreSQL started but does not accept connections on 127.0.0.1:$port"
}

stop() {
  if [[ ! -f $data/PG_VERSION ]]; then echo "No cluster in $(show "$data"); nothing to stop"; return; fi
  if ! running; then echo "Not running ($(show "$data"))"; return; fi
  as_server "$pg_bin/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null || die "PostgreSQL did not stop within 60 s"
  echo "Stopped ($(show "$data"))"
}

status() {
  if [[ ! -f $data/PG_VERSION ]]; then echo "Not running: no cluster in $(show "$data")"; exit 3; fi
  if is_root && ! getent passwd "$server_user" >/dev/null; then echo "Not running ($(show "$data"))"; exit 3; fi
  if running; then
    echo "Running: pid $(sed -n 1p -- "$data/postmaster.pid"), 127.0.0.1:$(running_port), data in $(show "$data")"
  else
    echo "Not running ($(show "$data"))"
    exit 3
  fi
}

install_only() { # not "install": that would hide the install command used above
  if [[ -x $pg_bin/postgres && -x $pg_bin/initdb && -x $pg_bin/pg_ctl ]]; then
    echo "PostgreSQL 15 is installed ($pg_bin)"
  else
    install_server
  fi
}

case "$command" in
  install) install_only ;;
  *) "$command" ;;
esac
