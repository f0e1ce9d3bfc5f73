#!/usr/bin/env bash
# Sourced by bench/connect-rate.sh and bench/moderation-fanout.sh: builds the server and the load
# generator in Release and starts ONE server on free 127.0.0.1 ports for the identity benchmarks:
# Auth:Mode optional (a token makes a user, no token an anonymous member), one random HS256 key,
# audience actorchat-bench, server admin bench-admin, its default durable history (SQLite in a
# temporary folder), and the per-address and per-connection limits raised out of the way (the load
# comes from a few loopback addresses). Sets $chat (the chat port), $server (its pid) and exports
# ACTORCHAT_BENCH_SIGNING_KEY; the server is stopped and its folder removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build src/ActorChat.Host -c Release -v quiet -nologo
dotnet build bench/ActorChat.LoadGen -c Release -v quiet -nologo

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
chat=$(free_port)
management=$(free_port)
data=$(mktemp -d)
audience=actorchat-bench
admin=bench-admin

# The key goes in the environment, not on a command line anyone can read: the server reads it as
# its setting, the load generator signs with it.
export ACTORCHAT_BENCH_SIGNING_KEY
ACTORCHAT_BENCH_SIGNING_KEY=$(head -c 32 /dev/urandom | base64)
ActorChat__Auth__SigningKeys__0__Algorithm=HS256 ActorChat__Auth__SigningKeys__0__Secret="$ACTORCHAT_BENCH_SIGNING_KEY" \
  dotnet src/ActorChat.Host/bin/Release/net10.0/ActorChat.Host.dll --urls "http://127.0.0.1:$chat" \
  --ActorChat:ManagementUrls:0="http://127.0.0.1:$management" \
  --ActorChat:Auth:Mode=optional --ActorChat:Auth:Audience=$audience --ActorChat:Auth:Admins:0=$admin \
  --ActorChat:MaxConnectionsPerAddress=1000000 --ActorChat:ConnectionsPerSecondPerAddress=1000000 \
  --ActorChat:ConnectionBurstPerAddress=1000000 --ActorChat:Limits:PacketsPerSecond=100000000 \
  --ActorChat:Limits:PacketBurst=100000000 --ActorChat:Limits:FloodTolerance=100000000 \
  --ActorChat:History:ConnectionString="Data Source=$data/actorchat.db" \
  --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.AspNetCore=Warning &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT

ready=""
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$management/readyz" >/dev/null && { ready=1; break; }
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { echo "the server did not become ready within 60 s" >&2; exit 1; }

loadgen() { dotnet bench/ActorChat.LoadGen/bin/Release/net10.0/ActorChat.LoadGen.dll "$@"; }
