#!/usr/bin/env bash
# Runs every test: actor (TestKit), history (SQLite files and a real PostgreSQL), host integration
# (real Kestrel + WebSockets) and browser (headless Chromium). Installs what the tests need on a
# fresh machine first; PostgreSQL is started for the run and stopped after it
# (scripts/with-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-chromium.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build ActorChat.sln -c Release --nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bash scripts/with-postgres.sh dotnet test ActorChat.sln -c Release --no-build --nologo 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite.
awk '/Passed!|Failed!/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
