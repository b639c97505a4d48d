#!/usr/bin/env bash
# A/B of whole encoder calls between builds or JVM options: one `bench` process per variant, the variants
# alternating, ROUNDS times; one line per process with its p50 and its mean stage times. Alternation is
# what makes the comparison fair on a machine whose core speed drifts by 10-20 % over tens of seconds.
#
#   bench/tools/ab-bench.sh ROUNDS 'label|path/to/sparse-mixer.jar|jvm options' ...
#
#   git worktree add /tmp/wt-b my-branch && (cd /tmp/wt-b && ./mvnw -q -pl cli -am package -DskipTests)
#   bench/tools/ab-bench.sh 3 "main|cli/target/sparse-mixer.jar|" "b|/tmp/wt-b/cli/target/sparse-mixer.jar|"
#
# Environment: CONFIG (base), BATCH (1), THREADS (2), WARMUP (8), ITERATIONS (11), HEAP (12g).
# Every process runs with the launcher's -XX:ObjectAlignmentInBytes=64 (a variant's options come after it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
# shellcheck source=../../scripts/java-env.sh
. "$ROOT/scripts/java-env.sh"
if [ $# -lt 2 ]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
ROUNDS="$1"
shift
for ((round = 1; round <= ROUNDS; round++)); do
    for variant in "$@"; do
        IFS='|' read -r label jar opts <<<"$variant"
        if [ ! -f "$jar" ]; then
            echo "error: $label: no jar at $jar" >&2
            exit 1
        fi
        # shellcheck disable=SC2086 # the options are a list of words
        out=$("$JAVA" --add-modules jdk.incubator.vector -XX:+UseSerialGC -XX:ObjectAlignmentInBytes=64 "-Xmx${HEAP:-12g}" $opts -jar "$jar" \
            bench --config "${CONFIG:-base}" --batch "${BATCH:-1}" --threads "${THREADS:-2}" \
            --warmup "${WARMUP:-8}" --iterations "${ITERATIONS:-11}" 2>&1) || {
            echo "$out" >&2
            echo "error: $label: bench failed" >&2
            exit 1
        }
        p50=$(grep -o 'p50_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
        stages=$(awk '/^  [a-z_]+ +[0-9.]+ ms/ {printf " %s=%s", $1, $2}' <<<"$out")
        echo "round $round $label p50_ms=$p50$stages"
    done
done
