#!/usr/bin/env bash
# Soak test (not in CI): the monitor runs on a pseudo-terminal against the simulator with churn at 5,000
# calls and a 1 s poll interval; its resident memory (RSS) is reported every minute. After the first
# minute RSS must stay flat: ended calls, tombstones and caches are bounded. RSS is read every second; the
# peak of each minute is judged, the floor is shown.
#
#   scripts/soak.sh                   10 minutes, release build
#   DURATION=180 scripts/soak.sh      3 minutes
#   BIN=target/debug/yetitop scripts/soak.sh
#
# Settings (environment): DURATION seconds (600), CALLS (5000), INTERVAL seconds (1), SAMPLE seconds (60),
# TOLERANCE_KB allowed spread of RSS after the first minute (16384), BIN (target/release/yetitop, built
# when missing). Needs python3 (for the pty) and Linux /proc. Exit 0: flat; 1: RSS grew; 2: setup failed.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
CALLS=${CALLS:-5000}
INTERVAL=${INTERVAL:-1}
SAMPLE=${SAMPLE:-60}
TOLERANCE_KB=${TOLERANCE_KB:-16384}
BIN=${BIN:-target/release/yetitop}

if [[ ! -x "$BIN" ]]; then
    echo "soak: building $BIN" >&2
    cargo build --release --bin yetitop >&2
fi
command -v python3 >/dev/null || { echo "soak: python3 is needed" >&2; exit 2; }

work=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n "$sim_pid" ]]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" sim --listen 127.0.0.1:0 --calls "$CALLS" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
url=
for _ in $(seq 1 300); do
    url=$(sed -n 's/^listening on //p' "$work/sim.out" | head -n1)
    [[ -n "$url" ]] && break
    sleep 0.1
done
[[ -n "$url" ]] || { echo "soak: the simulator did not start" >&2; cat "$work/sim.err" >&2; exit 2; }
echo "soak: simulator at $url with $CALLS calls (churn on); monitor every ${INTERVAL}s for ${DURATION}s"

BIN="$BIN" URL="$url" DURATION="$DURATION" INTERVAL="$INTERVAL" SAMPLE="$SAMPLE" \
TOLERANCE_KB="$TOLERANCE_KB" STATE="$work" SIM_PID="$sim_pid" python3 - <<'PY'
import fcntl, os, pty, re, select, signal, struct, sys, termios, time

env = dict(os.environ)
for k in ("YETI_URL", "YETI_USER", "YETI_TOKEN"):
    env.pop(k, None)
env.update(YETI_PASSWORD="admin", TERM="xterm-256color", XDG_STATE_HOME=env["STATE"],
           XDG_CONFIG_HOME=os.path.join(env["STATE"], "config"))
duration, sample = float(env["DURATION"]), float(env["SAMPLE"])
tolerance = int(env["TOLERANCE_KB"])

def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None

def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    os.execvpe(env["BIN"], [env["BIN"], "--url", env["URL"], "--user", "admin",
                            "--interval", env["INTERVAL"]], env)

import json, urllib.request
# The screen is redrawn by difference, so the stream shows a number only when it changes: the live count
# comes from the simulator, and the monitor's output is only checked for its list header and STALE marks.
csi = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
def sim_calls():
    try:
        with urllib.request.urlopen(env["URL"] + "/_sim/state", timeout=5) as r:
            return json.load(r)["calls"]
    except Exception:
        return None
listed, stale_seen = False, 0
start = time.monotonic()
next_sample = start + sample
samples = []
# RSS is read every second: a poll in progress holds its body and decoded documents for a moment, and the
# monitor gives freed memory back after each poll, so a single reading depends on when it falls (with a 1 s
# interval a poll is almost always in progress). The peak of each minute, the high-water mark a leak would
# raise, is what must stay flat; the floor is shown next to it.
window, next_read = [], start
print(f"{'minute':>6} {'RSS floor':>10} {'RSS peak':>10} {'sim RSS':>10} {'calls':>6}  monitor cpu",
      flush=True)
cpu0, t_cpu0 = cpu_s(pid), start
exited = False
while True:
    now = time.monotonic()
    if now >= start + duration + 1:  # + 1: the sample due at the very end is taken
        break
    if now >= next_read:
        v = rss_kb(pid)
        if v is not None:
            window.append(v)
        next_read += 1.0
    r, _, _ = select.select([fd], [], [], max(0.05, min(1.0, next_sample - now, next_read - now)))
    if r:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            exited = True
            break
        text = csi.sub(b"", data)
        listed |= b"Calls" in text and b"answered" in text
        stale_seen += text.count(b"STALE")
    if time.monotonic() >= next_sample:
        now_rss = rss_kb(pid)
        if now_rss is not None:
            window.append(now_rss)
        floor, peak = (min(window), max(window)) if window else (None, None)
        window = []
        cpu = cpu_s(pid)
        t = time.monotonic()
        share = (cpu - cpu0) / (t - t_cpu0) * 100
        cpu0, t_cpu0 = cpu, t
        samples.append(peak)
        minute = len(samples)
        if floor is None:
            print(f"{minute:>6}  (the monitor is gone)", flush=True)
        else:
            print(f"{minute:>6} {floor/1024:>7.1f} MB {peak/1024:>7.1f} MB "
                  f"{rss_kb(int(env['SIM_PID']))/1024:>7.1f} MB {sim_calls() or '-':>6}  {share:.0f}%",
                  flush=True)
        next_sample += sample

if exited or rss_kb(pid) is None:
    print("soak: FAIL: the monitor exited", flush=True)
    sys.exit(1)
os.write(fd, b"q")
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        break
    if done:
        break
    try:
        select.select([fd], [], [], 0.2) and os.read(fd, 1 << 16)
    except OSError:
        pass
else:
    os.kill(pid, signal.SIGKILL)

if not listed:
    print("soak: FAIL: no list was ever shown", flush=True)
    sys.exit(1)
after = [s for s in samples[1:] if s is not None]
if len(after) < 2:
    print(f"soak: too short to judge (need at least 3 samples): {samples}", flush=True)
    sys.exit(0)
spread = max(after) - min(after)
growth = after[-1] - after[0]
print(f"soak: RSS peak after minute 1: min {min(after)/1024:.1f} MB, max {max(after)/1024:.1f} MB, "
      f"spread {spread/1024:.1f} MB, first→last {growth/1024:+.1f} MB; STALE frames seen: {stale_seen}",
      flush=True)
if spread > tolerance:
    print(f"soak: FAIL: RSS moved by more than {tolerance/1024:.0f} MB after the first minute", flush=True)
    sys.exit(1)
print("soak: PASS: RSS flat", flush=True)
PY
