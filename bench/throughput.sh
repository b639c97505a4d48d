#!/usr/bin/env bash
# Batched throughput: sequences per second of the engine and of ONNX Runtime on the project's ONNX export,
# side by side in one process per (config, batch) (OnnxComparison: the two alternate call by call, after a
# check that they agree), for every config and batch size, ROUNDS times; configs and batches alternate.
#
#   bench/throughput.sh [ROUNDS]             (default 3 rounds)
#
# Environment: CONFIGS ("base fast"; add bert-base for the dense baseline), BATCHES ("1 2 4 8 16"),
# THREADS (2), ITERATIONS (timed calls per side, 9), WARMUP (untimed calls per side, 12: batch-8 runs need
# ~10, see bench/README.md), HEAP (-Xmx, 14g), KEEP (directory for raw output; default a temporary one).
# Needs the bench jar: ./mvnw -q -pl bench -am package -DskipTests (built here when missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=../scripts/java-env.sh
. "$ROOT/scripts/java-env.sh"
ROUNDS="${1:-3}"
CONFIGS="${CONFIGS:-base fast}"
BATCHES="${BATCHES:-1 2 4 8 16}"
THREADS="${THREADS:-2}"
ITERATIONS="${ITERATIONS:-9}"
WARMUP="${WARMUP:-12}"
HEAP="${HEAP:-14g}"
KEEP="${KEEP:-$(mktemp -d)}"
JAR="$ROOT/bench/target/benchmarks.jar"
mkdir -p "$KEEP"

if [ ! -f "$JAR" ]; then
    (cd "$ROOT" && ./mvnw -q -B -pl bench -am package -DskipTests)
fi

RESULTS="$KEEP/results.txt"
: >"$RESULTS"
echo "throughput: configs [$CONFIGS], batches [$BATCHES], threads $THREADS, $ITERATIONS timed + $WARMUP warm-up calls," \
     "rounds $ROUNDS; raw output in $KEEP; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
read -r -a configs <<<"$CONFIGS"
read -r -a batches <<<"$BATCHES"
for ((round = 1; round <= ROUNDS; round++)); do
    # Alternate the order: forward in odd rounds, backward in even ones.
    order=()
    for c in "${configs[@]}"; do for b in "${batches[@]}"; do order+=("$c:$b"); done; done
    if ((round % 2 == 0)); then
        reversed=()
        for ((i = ${#order[@]} - 1; i >= 0; i--)); do reversed+=("${order[$i]}"); done
        order=("${reversed[@]}")
    fi
    for cb in "${order[@]}"; do
        c=${cb%%:*}
        b=${cb##*:}
        out="$KEEP/round$round-$c-b$b.txt"
        if "$JAVA" --add-modules jdk.incubator.vector -XX:+UseSerialGC -XX:ObjectAlignmentInBytes=64 "-Xmx$HEAP" -cp "$JAR" \
            org.sparsemixer.bench.onnx.OnnxComparison --config "$c" --batch "$b" --threads "$THREADS" \
            --iterations "$ITERATIONS" --warmup "$WARMUP" >"$out" 2>&1; then
            line=$(grep '^onnx-compare ' "$out")
            e=$(sed -n 's/.* engine_p50_ms=\([^ ]*\).*/\1/p' <<<"$line")
            o=$(sed -n 's/.* ort_p50_ms=\([^ ]*\).*/\1/p' <<<"$line")
            echo "$c $b $e $o" >>"$RESULTS"
            echo "  round $round: $c b=$b engine $e ms, ORT $o ms" >&2
        else
            echo "  round $round: $c b=$b FAILED (see $out)" >&2
        fi
    done
done

# Medians over rounds of the p50 latencies; sequences/s = batch / p50.
echo
echo "| config | batch | engine p50 ms | ORT p50 ms | engine seq/s | ORT seq/s | engine / ORT |"
echo "|---|---|---|---|---|---|---|"
awk '
    function median(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { key = $1 " " $2; if (!(key in e)) keys[++k] = key; e[key] = e[key] " " $3; o[key] = o[key] " " $4 }
    END {
        for (i = 1; i <= k; i++) {
            split(keys[i], cb, " ")
            me = median(e[keys[i]]); mo = median(o[keys[i]])
            printf "| %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f |\n", cb[1], cb[2], me, mo, cb[2] * 1000 / me, cb[2] * 1000 / mo, mo / me
            engine[cb[1], cb[2]] = me
            seen[cb[2]] = 1
        }
        print ""
        for (b in seen) {
            if ((("fast", b) in engine) && (("base", b) in engine))
                printf "fast / base speed at batch %s: %.2f\n", b, engine["base", b] / engine["fast", b]
            if ((("bert-base", b) in engine) && (("base", b) in engine))
                printf "base / bert-base speed at batch %s: %.2f; fast / bert-base: %s\n", b,
                    engine["bert-base", b] / engine["base", b],
                    (("fast", b) in engine) ? sprintf("%.2f", engine["bert-base", b] / engine["fast", b]) : "-"
        }
    }' "$RESULTS"
echo
echo "(medians of $ROUNDS rounds of $ITERATIONS interleaved calls each after $WARMUP warm-up calls; threads $THREADS)"
