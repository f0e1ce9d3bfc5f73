#!/usr/bin/env bash
# Time from starting the server to its first 200 on /readyz, with its default settings (durable
# history in a fresh SQLite file), for this checkout and any others given, alternating between them
# so they share the machine's noise. Each checkout must have been built in Release.
#
#   bench/ready-time.sh                        # this checkout, 5 starts
#   bench/ready-time.sh --rounds 7 /tmp/before # this checkout and another one, 7 starts each
#
# Prints every start and then the median and the fastest per checkout. Loopback only; each server
# is stopped (SIGTERM) before the next starts.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=5
roots=("$here")
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    *) roots+=("$(cd "$1" && pwd)"); shift ;;
  esac
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }

declare -A samples
for ((round = 1; round <= rounds; round++)); do
  for root in "${roots[@]}"; do
    dll="$root/src/ActorChat.Host/bin/Release/net10.0/ActorChat.Host.dll"
    [ -f "$dll" ] || { echo "missing $dll: dotnet build $root/src/ActorChat.Host -c Release" >&2; exit 2; }
    data="$(mktemp -d)"
    port="$(free_port)"
    start="$(now_ms)"
    (cd "$root" && exec dotnet "$dll" --urls "http://127.0.0.1:$port" \
      "--ActorChat:History:ConnectionString=Data Source=$data/actorchat.db" \
      --Logging:LogLevel:Default=Warning) >"$data/out.log" 2>&1 &
    pid=$!
    ready=""
    deadline=$((start + 60000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
      if curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; then ready="$(now_ms)"; break; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.02
    done
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ -z "$ready" ]; then
      echo "$root: not ready within 60 s; its output:" >&2
      tail -20 "$data/out.log" >&2
      rm -rf "$data"
      exit 1
    fi
    rm -rf "$data"
    ms=$((ready - start))
    echo "round $round  $root  ${ms} ms"
    samples[$root]+="$ms "
  done
done

for root in "${roots[@]}"; do
  # shellcheck disable=SC2086
  sorted=($(printf '%s\n' ${samples[$root]} | sort -n))
  echo "$root: median $((sorted[${#sorted[@]} / 2])) ms, fastest ${sorted[0]} ms over ${#sorted[@]} starts"
done
