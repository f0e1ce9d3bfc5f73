#!/usr/bin/env bash
# A moderation act's time to reach every member of a big room: a server admin (token) and N
# anonymous actorchat.v1 members join one room; the admin makes K `configure {topic}` acts one at
# a time (the act every member is told of, as `room {settings}`), and each is timed from its send
# until the LAST member has it (p50/p99/max over the acts). Loopback only, bounded by --timeout per
# act; reported, not asserted. Arguments go to the load generator's moderation-fanout
# (e.g. --members 1000 --acts 20).
set -euo pipefail
source "$(dirname "$0")/identity-server.sh"
loadgen moderation-fanout --url "ws://127.0.0.1:$chat/" --audience "$audience" --admin "$admin" "$@"
