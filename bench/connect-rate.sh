#!/usr/bin/env bash
# Connects per second of actorchat.v1 clients signing in with a fresh HS256 token each against
# anonymous ones, alternating rounds (token, anonymous, token, anonymous…) against ONE server in
# Auth:Mode optional, so the machine's drift does not become the ratio: connects/s, p50/p99
# hello→welcome, and the server's CPU-seconds per 1000 connects (from /proc). Loopback only;
# reported, not asserted. Arguments go to the load generator's connect-rate
# (e.g. --connections 1000 --concurrency 32 --rounds 2).
set -euo pipefail
source "$(dirname "$0")/identity-server.sh"
loadgen connect-rate --url "ws://127.0.0.1:$chat/" --audience "$audience" --server-pid "$server" "$@"
