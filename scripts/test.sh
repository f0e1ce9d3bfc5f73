#!/usr/bin/env bash
# Runs every test: actor (TestKit), history (SQLite files and a real PostgreSQL), host integration
# (real Kestrel + WebSockets), browser (headless Chromium) and the three-node cluster. Installs
# what the tests need on a fresh machine first; PostgreSQL is started for the run and stopped
# after it (scripts/with-postgres.sh).
#
# Two parts, one after the other: every test assembly but the cluster's, in parallel as
# `dotnet test` runs a solution's; then the cluster's alone. Its three node processes and their
# failure detector must not compete with the fuzz, load and browser tests for the CPU, or a node
# starved for seconds is taken for dead. One closing line counts both parts; the exit status is
# non-zero if either failed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-chromium.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build ActorChat.sln -c Release --nologo -v quiet

cluster=tests/ActorChat.Cluster.Tests/ActorChat.Cluster.Tests.csproj
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log="$work/test.log"

# The solution without the cluster assembly, as a solution filter, so that a project added to the
# solution is run without being listed here.
{
  printf '{ "solution": { "path": "%s", "projects": [' "$PWD/ActorChat.sln"
  dotnet sln ActorChat.sln list | grep '\.csproj$' | grep -vxF "$cluster" | sed 's/.*/"&"/' | paste -sd, -
  printf '] } }\n'
} >"$work/others.slnf"
grep -qF '"tests/' "$work/others.slnf" || { echo "test.sh: no test projects found in ActorChat.sln" >&2; exit 1; }

run_parts() {
  local status=0
  echo "== every test assembly but the cluster's"
  dotnet test "$1" -c Release --no-build --nologo || status=1
  echo "== the cluster assembly, alone"
  dotnet test "$2" -c Release --no-build --nologo || status=1
  return "$status"
}
export -f run_parts

status=0
bash scripts/with-postgres.sh bash -c 'run_parts "$1" "$2"' run_parts "$work/others.slnf" "$cluster" 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite.
awk '/Passed!|Failed!/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
