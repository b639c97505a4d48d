#!/usr/bin/env bash
# Cold start of Sparse Mixer Base from a model directory, with and without the launcher's AOT cache and
# with and without an explicit warm-up (SparseMixerEncoder.warmUp), each variant a fresh process of the
# real launcher; the variants alternate within each round (their order rotates from round to round).
#
#   bench/cold-start.sh [ROUNDS]            (default 3 rounds)
#
# Environment: MODEL (default /tmp/sparse-mixer-cold-start/base, written by `init --config base` when
# missing), THREADS (2), ITERATIONS (timed calls per process, 40), WARMUP (warm-up calls of the warm-up
# variants, 3), KEEP (directory for the raw output of every process; default a temporary one).
#
# Per process (`bench --timeline`): process start -> first timed result (the launcher execs the JVM, so
# "process start" is the launcher's start), the first timed call, steady p50 (median of the last half of
# the timed calls), and the first call within 10 % of it. `run` rows: `./sparse-mixer run --model DIR` (one
# call): process start -> result as run reports it, its load time and call latency, and the wall time of the
# whole process (start to exit) measured here. Table: medians over rounds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
LAUNCHER="$ROOT/sparse-mixer"
ROUNDS="${1:-3}"
THREADS="${THREADS:-2}"
ITERATIONS="${ITERATIONS:-40}"
WARMUP="${WARMUP:-3}"
MODEL="${MODEL:-/tmp/sparse-mixer-cold-start/base}"
KEEP="${KEEP:-$(mktemp -d)}"
mkdir -p "$KEEP"

# Build the jar and its AOT cache first, so no variant pays for them.
"$LAUNCHER" --version >/dev/null
if [ ! -f "$MODEL/config.json" ]; then
    "$LAUNCHER" init --config base --output "$MODEL" >/dev/null
fi
if [ ! -f "$ROOT/cli/target/sparse-mixer.aot" ]; then
    echo "warning: no AOT cache at $ROOT/cli/target/sparse-mixer.aot (see its .log); the cache rows equal the others" >&2
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# variant name, SPARSE_MIXER_AOT, kind (bench or run), warm-up calls
VARIANTS=("bench,no-cache,0:0:bench:0" "bench,cache,0:1:bench:0"
          "bench,no-cache,$WARMUP:0:bench:$WARMUP" "bench,cache,$WARMUP:1:bench:$WARMUP"
          "run,no-cache,0:0:run:0" "run,cache,0:1:run:0")
RESULTS="$KEEP/results.txt"
: >"$RESULTS"
echo "cold start: model $MODEL, threads $THREADS, $ITERATIONS timed calls, rounds $ROUNDS; raw output in $KEEP" >&2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((round = 1; round <= ROUNDS; round++)); do
    n=${#VARIANTS[@]}
    for ((k = 0; k < n; k++)); do
        IFS=: read -r name aot kind warm <<<"${VARIANTS[$(((k + round - 1) % n))]}"
        out="$KEEP/round$round-${name//,/-}.txt"
        if [ "$kind" = bench ]; then
            SPARSE_MIXER_AOT=$aot "$LAUNCHER" bench --model "$MODEL" --threads "$THREADS" --warmup "$warm" \
                --iterations "$ITERATIONS" --timeline >"$out" 2>&1
            line=$(grep '^cold-start ' "$out")
            get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
            echo "$name $(get first_result_ms) $(get first_call_ms) $(get steady_p50_ms) $(get calls_to_steady) $(get loaded_ms) $(get warmup_ms)" >>"$RESULTS"
        else
            start=$(now_ms)
            SPARSE_MIXER_AOT=$aot "$LAUNCHER" run --model "$MODEL" --threads "$THREADS" >"$out" 2>&1
            wall=$(( $(now_ms) - start ))
            first=$(sed -n 's/^latency: *\([0-9.]*\) ms.*/\1/p' "$out")
            load=$(sed -n 's/^load time: *\([0-9.]*\) ms.*/\1/p' "$out")
            result=$(sed -n 's/^start-up: *result \([0-9]*\) ms.*/\1/p' "$out")
            echo "$name ${result:-$wall} $first - - $load 0 $wall" >>"$RESULTS"
        fi
        echo "  round $round: $(tail -n 1 "$RESULTS")" >&2
    done
done

# Medians per variant. Columns of results.txt: variant, first result (ms since process start), first call ms,
# steady p50 ms, calls to steady, encoder loaded (ms since start; for run: load time), warm-up ms, and for
# run the whole process's wall time.
echo
echo "| variant (kind, AOT cache, warm-up calls) | start -> first result ms | first call ms | steady p50 ms | first / steady | calls to within 10 % | loaded at ms (run: load time) | warm-up ms | run: start to exit ms |"
echo "|---|---|---|---|---|---|---|---|---|"
for v in "${VARIANTS[@]}"; do
    name=${v%%:*}
    awk -v name="$name" '
        function median(col,   n, i, j, t, a) {
            n = 0
            for (i = 1; i <= rows; i++) if (v[i, col] != "-") a[++n] = v[i, col] + 0
            if (n == 0) return "-"
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == name { rows++; for (c = 2; c <= 8; c++) v[rows, c] = (c <= NF ? $c : "-") }
        END {
            if (rows == 0) exit
            fc = median(3); sp = median(4)
            ratio = (fc != "-" && sp != "-" && sp > 0) ? sprintf("%.2f", fc / sp) : "-"
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, median(2), fc, sp, ratio, median(5), median(6), median(7), median(8)
        }' "$RESULTS"
done
echo
echo "(medians of $ROUNDS rounds)"
