#!/usr/bin/env bash
# ActorChat benchmark: builds what the run needs (Release), then runs the harness, which starts
# ActorChat and each peer in turn on free loopback ports (npm ci for a Node peer whose
# node_modules is missing), runs the scenarios, and writes bench/results/<date>[-quick].{json,md,png}.
#
#   bench/run.sh --quick                         # whole suite, all four servers, under two minutes
#   bench/run.sh                                 # full run (about 11 minutes)
#   bench/run.sh --smoke                         # a few clients, a few seconds; exit 1 unless zero loss
#   bench/run.sh --servers node-ws,raw-kestrel --scenario saturation,latency
#   bench/run.sh --servers actorchat,actorchat-memory --baseline bench/results/2026-11-25.json --tag history
#   bench/run.sh --servers actorchat,actorchat-memory --scenario resume,presence-storm,many-rooms --tag v1
#   git worktree add /tmp/before <commit> && bench/run.sh --before /tmp/before --servers actorchat,actorchat-memory
#                                                # the same servers from another commit, in the same run
#   bench/run.sh --url ws://127.0.0.1:3490/ --pid "$(pgrep -n -f ActorChat.Host)"   # a running server
#   bash scripts/with-postgres.sh bench/run.sh --servers actorchat-pg,actorchat-cluster3 --protocol v1 \
#     --scenario saturation,cross-node,kill-recovery --tag cluster   # one node vs three, on PostgreSQL
#
# All options: bench/run.sh --help. Load goes to loopback addresses only; every run stops by itself.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
cd "$root"

# The idle-connection scenario needs one descriptor per connection on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

servers="actorchat,actorchat-memory,node-ws,node-websocket,raw-kestrel"
external=false
previous=""
before=""
for arg in "$@"; do
  case "$previous" in --servers|--server) servers="$arg" ;; --before) before="$arg" ;; esac
  case "$arg" in --url) external=true ;; --help|-h) external=true ;; esac
  previous="$arg"
done

build() {
  echo "building $1 (Release)" >&2
  dotnet build "$1" -c Release --nologo -v quiet -clp:ErrorsOnly
}

build bench/ActorChat.LoadGen/ActorChat.LoadGen.csproj
if [ "$external" = false ]; then
  case ",$servers," in *,actorchat,*|*,actorchat-memory,*|*,actorchat-pg,*|*,actorchat-cluster3,*) build src/ActorChat.Host/ActorChat.Host.csproj ;; esac
  if [ -n "$before" ]; then build "$before/src/ActorChat.Host/ActorChat.Host.csproj"; fi
  case ",$servers," in *,raw-kestrel,*) build bench/peers/RawKestrel/RawKestrel.csproj ;; esac
fi

exec dotnet bench/ActorChat.LoadGen/bin/Release/net10.0/ActorChat.LoadGen.dll "$@"
