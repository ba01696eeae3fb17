#!/usr/bin/env bash
# Side by side, one run: yetitop against curl | python3 json.load and curl | jq, on the same simulated
# switch (10,000 calls, no churn). Prints the median of several alternating runs and the ratio to yetitop.
#
#   scripts/compare.sh [RUNS] [CALLS]        (defaults: 5 runs, 10000 calls)
#   YETITOP=path/to/yetitop scripts/compare.sh
#
# Needs curl and python3; jq is used when installed. Builds nothing: point YETITOP at a release binary
# (default target/release/yetitop).
set -euo pipefail

RUNS=${1:-5}
CALLS=${2:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
YETITOP=${YETITOP:-$ROOT/target/release/yetitop}
[ -x "$YETITOP" ] || { echo "no $YETITOP: cargo build --release first" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }
HAVE_JQ=0; command -v jq >/dev/null && HAVE_JQ=1

TMP=$(mktemp -d)
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$YETITOP" sim --listen 127.0.0.1:0 --calls "$CALLS" --no-churn >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$TMP/sim.out" 2>/dev/null && break
    sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$TMP/sim.out" | head -1)
[ -n "$URL" ] || { echo "the simulator did not start: $(cat "$TMP/sim.err")" >&2; exit 1; }

API="$URL/api/rest/admin"
JWT=$(curl -sf -X POST -H 'Content-Type: application/json' \
    -d '{"auth":{"username":"admin","password":"admin"}}' "$API/auth" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["jwt"])')
HDR=(-H "Authorization: $JWT" -H 'Accept: application/vnd.api+json')

export YETI_PASSWORD=admin XDG_CONFIG_HOME="$TMP/config" NO_COLOR=1

run_yetitop() { "$YETITOP" --url "$URL" --user admin calls list -o json >/dev/null; }
run_python() { curl -sf "${HDR[@]}" "$API/active-calls" | python3 -c 'import json,sys; json.load(sys.stdin)'; }
run_jq() { curl -sf "${HDR[@]}" "$API/active-calls" | jq '.data | length' >/dev/null; }

TOOLS=(yetitop python)
[ "$HAVE_JQ" = 1 ] && TOOLS+=(jq)

# Sizes: the full document (what curl gets), and what yetitop's sparse + include poll transfers.
FULL_BYTES=$(curl -sf "${HDR[@]}" "$API/active-calls" | wc -c)

# Warm-up, then alternate: one run of each tool per round.
for t in "${TOOLS[@]}"; do "run_$t"; done
for r in $(seq 1 "$RUNS"); do
    for t in "${TOOLS[@]}"; do
        s=$(date +%s%N)
        "run_$t"
        e=$(date +%s%N)
        echo "$t $(( (e - s) / 1000000 ))" >>"$TMP/times"
    done
done

python3 - "$TMP/times" "$CALLS" "$FULL_BYTES" "$(nproc)" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    tool, ms = line.split()
    times.setdefault(tool, []).append(int(ms))
calls, full, cores = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
label = {
    "yetitop": "yetitop calls list -o json",
    "python": "curl | python3 -c 'json.load'",
    "jq": "curl | jq '.data | length'",
}
base = statistics.median(times["yetitop"])
print(f"{calls} calls, full document {full / 1e6:.1f} MB, {cores} cores, {len(times['yetitop'])} runs each, alternating")
print()
print("| command | median | min | max | vs yetitop |")
print("|---|---|---|---|---|")
for tool in ["yetitop", "python", "jq"]:
    if tool not in times:
        continue
    t = times[tool]
    m = statistics.median(t)
    print(f"| `{label[tool]}` | {m:.0f} ms | {min(t)} ms | {max(t)} ms | {m / base:.1f}x |")
PY
