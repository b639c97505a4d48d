#!/usr/bin/env bash
# Load benchmark of `sparse-mixer serve` with wrk on loopback, side by side with the direct `bench` figures
# of the same model in the same run (see bench/README.md, section "Serving").
#
#   bench/serve-load.sh [--config base|fast|bert-base] [--duration SECONDS] [--rounds N]
#   bench/serve-load.sh --overhead [--duration SECONDS]
#
# --overhead measures the server's own cost per request instead: a tiny golden-fixture model (S 16, H 32,
# ~0.1 ms a call), direct `bench --batch 1` p50 against the server's p50 at concurrency 1 with
# --max-delay-ms 0, and the p50 of GET /v2/health/live (HTTP alone).
#
# 1. one server (--max-batch 8) and, alternating, --rounds times (default 3): direct `sparse-mixer bench
#    --batch 1` (p50), wrk at concurrency 1, direct `bench --batch 8` (sequences/s), wrk at concurrency 8;
#    one sequence per request, pooled_output only, JSON; the ratios compare the medians
# 2. overload: a server with --max-queue 8 under wrk at concurrency 64 (every non-200 must be a 503)
# Prints p50/p99 and throughput of each step and the ratios the issue asks for. Loopback (127.0.0.1) only;
# every wrk run lasts --duration seconds (default 20). Needs wrk (installed with apt-get when missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
CONFIG=base
DURATION=20
ROUNDS=3
OVERHEAD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --config) CONFIG="$2"; shift 2 ;;
        --overhead) OVERHEAD=1; shift ;;
        --duration) DURATION="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        *) echo "error: unknown argument $1 (usage: $0 [--config NAME | --overhead] [--duration SECONDS] [--rounds N])" >&2; exit 2 ;;
    esac
done

if ! command -v wrk >/dev/null 2>&1; then
    echo "serve-load: installing wrk" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >&2; else sudo apt-get install -y wrk >&2; fi
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

SM="$ROOT/sparse-mixer"
"$SM" --version >/dev/null # builds the jar once, before anything is timed

value() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

if [ "$OVERHEAD" = 1 ]; then
    MODEL="$ROOT/src-test/src/test/resources/fixtures/p01_linear_postnorm_base/model"
    python3 - > "$WORK/body.json" <<'PY'
import json
ids = [(7 * i) % 100 for i in range(16)]
t = lambda n, d: {"name": n, "shape": [1, 16], "datatype": "INT32", "data": d}
print(json.dumps({"inputs": [t("input_word_ids", ids), t("input_mask", [1] * 16), t("input_type_ids", [0] * 16)],
                  "outputs": [{"name": "pooled_output"}]}))
PY
    echo "== overhead: direct bench, tiny model (p01 fixture)"
    D="$("$SM" bench --model "$MODEL" --batch 1 --threads 1 --warmup 2000 --iterations 5000 | tail -1)"; echo "$D"
    "$SM" serve --model "$MODEL" --name tiny --threads 1 --port 0 --max-delay-ms 0 --warmup 2000 \
        > "$WORK/serve.out" 2> "$WORK/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 1 240); do grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break; sleep 0.5; done
    URL="$(sed -n 's/^listening on //p' "$WORK/serve.out")"
    [ -n "$URL" ] || { cat "$WORK/serve.err" >&2; exit 1; }
    BODY="$WORK/body.json" wrk -t1 -c1 -d5s -s "$ROOT/bench/serve-post.lua" "$URL/v2/models/tiny/infer" >/dev/null # JIT
    I="$(BODY="$WORK/body.json" wrk -t1 -c1 -d"${DURATION}s" -s "$ROOT/bench/serve-post.lua" "$URL/v2/models/tiny/infer" | grep '^RESULT')"
    echo "infer c=1 $I"
    H="$(wrk -t1 -c1 -d"${DURATION}s" --latency "$URL/v2/health/live" | grep -E '^ +50%|Requests/sec')"
    echo "GET /v2/health/live c=1:"; echo "$H"
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; SERVER_PID=""
    echo "== summary: server p50 $(echo "$I" | value p50_ms) ms - direct p50 $(echo "$D" | value p50_ms) ms = the server's cost per request (JSON in and out, queue hand-off, HTTP)"
    exit 0
fi

# One sequence of the preset's length: random ids, full mask, pooled_output only.
python3 - "$CONFIG" > "$WORK/body.json" <<'PY'
import json, random, sys
seq = 512
vocab = {"base": 32000, "fast": 32000, "bert-base": 30522}[sys.argv[1]]
random.seed(1)
ids = [random.randrange(vocab) for _ in range(seq)]
def tensor(name, data):
    return {"name": name, "shape": [1, seq], "datatype": "INT32", "data": data}
print(json.dumps({"inputs": [tensor("input_word_ids", ids), tensor("input_mask", [1] * seq),
                             tensor("input_type_ids", [0] * seq)],
                  "outputs": [{"name": "pooled_output"}]}))
PY

start_server() { # extra serve options...
    "$SM" serve --config "$CONFIG" --port 0 "$@" > "$WORK/serve.out" 2> "$WORK/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        if grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/serve.err" >&2; exit 1; fi
        sleep 0.5
    done
    URL="$(sed -n 's/^listening on //p' "$WORK/serve.out")"
    [ -n "$URL" ] || { echo "error: the server did not become ready" >&2; cat "$WORK/serve.err" >&2; exit 1; }
    case "$URL" in http://127.0.0.1:*) ;; *) echo "error: not loopback: $URL" >&2; exit 1 ;; esac
    grep 'ready in' "$WORK/serve.err" || true
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || { echo "error: the server exited with $?" >&2; exit 1; }
    SERVER_PID=""
}

run_wrk() { # threads connections
    BODY="$WORK/body.json" wrk -t"$1" -c"$2" -d"${DURATION}s" --timeout 30s -s "$ROOT/bench/serve-post.lua" \
        "$URL/v2/models/$CONFIG/infer" | grep '^RESULT'
}

metric() { curl -s "$URL/metrics" | sed -n "s/^$1 //p"; }

# The direct steps and the server steps alternate, ROUNDS times, and the ratios compare medians: on a shared
# machine the speed of the cores drifts by 10-20 % over minutes, and steps run minutes apart would compare
# that drift, not the server. The server idles (parked threads) while the direct bench runs.
echo "== server: --max-batch 8 --max-delay-ms 2; $ROUNDS rounds of direct bench --batch 1, wrk c=1, direct bench --batch 8, wrk c=8"
start_server --max-batch 8 --max-delay-ms 2
: > "$WORK/rounds.txt"
for ((round = 1; round <= ROUNDS; round++)); do
    B1="$("$SM" bench --config "$CONFIG" --batch 1 --warmup 10 --iterations 15 | tail -1)"
    echo "round $round direct  $B1"
    C1="$(run_wrk 1 1)"; echo "round $round c=1     $C1"
    B8="$("$SM" bench --config "$CONFIG" --batch 8 --warmup 10 --iterations 8 | tail -1)"
    echo "round $round direct  $B8"
    CALLS0="$(metric sparse_mixer_encoder_calls_total)"; SEQS0="$(metric sparse_mixer_sequences_total)"
    C8="$(run_wrk 2 8)"; echo "round $round c=8     $C8"
    CALLS1="$(metric sparse_mixer_encoder_calls_total)"; SEQS1="$(metric sparse_mixer_sequences_total)"
    printf '%s %s %s %s %s\n' "$(echo "$B1" | value p50_ms)" "$(echo "$C1" | value p50_ms)" \
        "$(echo "$B8" | value seq_per_s)" "$(echo "$C8" | value req_per_s)" \
        "$(python3 -c "print(($SEQS1 - $SEQS0) / max(1.0, $CALLS1 - $CALLS0))")" >> "$WORK/rounds.txt"
done
stop_server

echo "== overload: --max-batch 8 --max-queue 8, concurrency 64"
start_server --max-batch 8 --max-queue 8
C64="$(run_wrk 2 64)"; echo "c=64 $C64"
REJECTED="$(metric 'sparse_mixer_requests_total{outcome="rejected"}')"
stop_server

python3 - "$WORK/rounds.txt" "$C64" "$REJECTED" <<'PY'
import re, statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
c64, rejected = sys.argv[2], float(sys.argv[3])
med = lambda i: statistics.median(r[i] for r in rows)
def get(line, key):
    return re.search(key + r"=([^ ]+)", line).group(1)
print(f"== summary (medians of {len(rows)} alternating rounds)")
print("round  direct b1 p50 ms  server c=1 p50 ms  ratio   direct b8 seq/s  server c=8 seq/s  ratio  avg batch")
for i, r in enumerate(rows, 1):
    print(f"{i:5d}  {r[0]:16.2f}  {r[1]:17.2f}  {r[1] / r[0]:5.3f}   {r[2]:15.2f}  {r[3]:16.2f}  {r[3] / r[2]:5.3f}  {r[4]:9.2f}")
print(f"concurrency 1: server p50 {med(1):.2f} ms vs direct bench --batch 1 p50 {med(0):.2f} ms: "
      f"ratio {med(1) / med(0):.3f} (target <= 1.05)")
print(f"concurrency 8: server {med(3):.2f} sequences/s vs direct bench --batch 8 {med(2):.2f}: "
      f"ratio {med(3) / med(2):.3f} (target >= 0.9); average batch {med(4):.2f} sequences per call")
print(f"overload c=64 --max-queue 8: statuses {get(c64, 'statuses')}, socket errors {get(c64, 'socket_errors')}, "
      f"rejected (503) by the metrics: {rejected:.0f}")
PY
