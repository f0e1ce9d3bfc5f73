#!/usr/bin/env bash
# The server API's publish over loopback: requests per second and latency percentiles of
# POST /api/rooms/{room}/messages against a server with its default durable history (SQLite in a
# temporary folder). Reported, not asserted. Arguments go to the load generator's api-publish
# (e.g. --seconds 20 --concurrency 32).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build src/ActorChat.Host -c Release -v quiet -nologo
dotnet build bench/ActorChat.LoadGen -c Release -v quiet -nologo

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
chat=$(free_port)
management=$(free_port)
data=$(mktemp -d)

# The key goes in the environment, not on a command line anyone can read.
export ACTORCHAT_API_KEY
ACTORCHAT_API_KEY=$(head -c 32 /dev/urandom | base64)
ActorChat__Auth__ApiKeys__0__Id=bench ActorChat__Auth__ApiKeys__0__Key="$ACTORCHAT_API_KEY" \
  dotnet src/ActorChat.Host/bin/Release/net10.0/ActorChat.Host.dll --urls "http://127.0.0.1:$chat" \
  --ActorChat:ManagementUrls:0="http://127.0.0.1:$management" \
  --ActorChat:Auth:ApiRequestsPerSecond=1000000 --ActorChat:Auth:ApiRequestBurst=1000000 \
  --ActorChat:History:ConnectionString="Data Source=$data/actorchat.db" \
  --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.AspNetCore=Warning &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT

for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$management/readyz" >/dev/null && break
  sleep 0.1
done

dotnet bench/ActorChat.LoadGen/bin/Release/net10.0/ActorChat.LoadGen.dll api-publish --url "http://127.0.0.1:$management" "$@"
