#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL database, for the tests of
# ActorChat:History:Provider=postgresql:
#
#   bash scripts/with-postgres.sh dotnet test tests/ActorChat.History.Tests -c Release
#
# Needs root or sudo. Installs Debian's `postgresql` when it is missing, starts its cluster (the
# newest version present) when it is down, creates a role and a database of its own for this run
# and exports ACTORCHAT_TEST_POSTGRES, an Npgsql connection string to them (the role may create
# further databases: tests make one each). At the end it drops the role and every database it
# owns, and stops the cluster if this script started it and no other run of it is still using it,
# so the machine is left as it was. Exits with the command's status.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 64
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }
  as_postgres() { runuser -u postgres -- "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo "$@"; }
  as_postgres() { sudo -u postgres -- "$@"; }
else
  echo "with-postgres.sh: PostgreSQL for the tests needs root or sudo (to install or start it)." >&2
  exit 1
fi

started_at=$(date +%s%N)
say() {
  local ms=$((($(date +%s%N) - started_at) / 1000000))
  printf 'postgres: %s (%d.%03d s)\n' "$1" $((ms / 1000)) $((ms % 1000)) >&2
}

installed=0
if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  installed=1
  say "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q postgresql >/dev/null 2>&1 || {
    as_root apt-get update -q >/dev/null
    as_root apt-get install -y -q postgresql >/dev/null
  }
fi

# Runs of this script at the same time (two test runs on one machine) share the cluster: each one
# records its pid, and only the last one out stops a cluster that one of them started.
state=/tmp/actorchat-postgres
as_root mkdir -p "$state"
# -o: the lock is not handed down to the PostgreSQL server a locked command starts.
lock() { as_root flock -o "$state/lock" "$@"; }

# The cluster: the newest version's `main`, else its first one; one is created when there is none.
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
cluster=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v { print $2 }' | grep -x main || true)
if [ -z "$cluster" ]; then
  cluster=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v { print $2; exit }')
fi
if [ -z "$cluster" ]; then
  say "creating cluster $version/main"
  as_root pg_createcluster "$version" main >/dev/null
  cluster=main
fi

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
name="actorchat_test_$$_$(random_hex 3)"
password=$(random_hex 16)
port=
psql_admin() { as_postgres psql --no-psqlrc -q -X -v ON_ERROR_STOP=1 -p "$port" "$@"; }

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  set +e
  # The role's databases (this run's and any a test left behind), then the role.
  [ -n "$port" ] && for db in $(psql_admin -At -d postgres -c "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = '$name')" 2>/dev/null); do
    psql_admin -d postgres -c "DROP DATABASE \"$db\" WITH (FORCE)" || true
  done
  [ -n "$port" ] && psql_admin -d postgres -c "DROP ROLE IF EXISTS \"$name\"" >/dev/null 2>&1
  lock sh -c '
    state=$1 pid=$2
    others=$(grep -vx "$pid" "$state/users" 2>/dev/null | while read -r p; do if kill -0 "$p" 2>/dev/null; then echo "$p"; fi; done)
    if [ -n "$others" ]; then echo "$others"; fi >"$state/users"
    if [ -z "$others" ] && [ -s "$state/started" ]; then
      pg_ctlcluster $(cat "$state/started") stop && rm -f "$state/started"
      echo "postgres: stopped the cluster it started" >&2
    fi
  ' sh "$state" "$$" || true
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status_of() { pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }'; }
# A cluster the install started counts as started here: it was not running before.
lock sh -c '
  set -e
  state=$1 version=$2 cluster=$3 pid=$4 installed=$5
  echo "$pid" >>"$state/users"
  if ! pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" "\$1 == v && \$2 == c && \$4 == \"online\" { found = 1 } END { exit !found }"; then
    pg_ctlcluster "$version" "$cluster" start
    echo "$version $cluster" >"$state/started"
  elif [ "$installed" = 1 ]; then
    echo "$version $cluster" >"$state/started"
  fi
' sh "$state" "$version" "$cluster" "$$" "$installed"
port=$(pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')
say "PostgreSQL $version/$cluster $(status_of) on port $port"

psql_admin -d postgres -c "CREATE ROLE \"$name\" LOGIN CREATEDB PASSWORD '$password'"
psql_admin -d postgres -c "CREATE DATABASE \"$name\" OWNER \"$name\""
export ACTORCHAT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Database=$name;Username=$name;Password=$password"
say "database $name ready"

# Not exec: the trap above must run when the command ends.
set +e
"$@"
exit $?
