#!/usr/bin/env bash
# Side by side, one after the other in one run: the engine's own `bench` at 2 threads and the spark-embed
# job on local[2] (2 task slots x 1 encoder thread = 2 cores), same model, same batch size, same number of
# warm-up calls and of sequences; also the engine as the job uses it (2 callers sharing a 1-thread encoder).
# Prints the closing lines and the ratios of sequences per second.
# Usage: bench/tools/spark-vs-engine.sh [ROUNDS]   (env: MODEL, ROWS, BATCH, WARMUP)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
ROUNDS="${1:-1}"
MODEL="${MODEL:-/tmp/sparse-mixer-base}"      # Sparse Mixer Base with random weights (seed 42)
ROWS="${ROWS:-64}"
BATCH="${BATCH:-8}"
WARMUP="${WARMUP:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

[ -f "$MODEL/model.safetensors" ] || "$ROOT/sparse-mixer" init --config base --output "$MODEL"

# ROWS rows of max_sequence_length random ids, unpadded (a forward pass costs the same either way).
python3 - "$MODEL/config.json" "$ROWS" > "$WORK/rows.json" <<'PY'
import json, random, sys
config = json.load(open(sys.argv[1]))
s, vocab, types = config["max_sequence_length"], config["vocab_size"], config.get("type_vocab_size", 16)
rng = random.Random(1)
for i in range(int(sys.argv[2])):
    print(json.dumps({"id": i, "input_word_ids": [rng.randrange(vocab) for _ in range(s)],
                      "input_mask": [1] * s, "input_type_ids": [rng.randrange(types) for _ in range(s)]}))
PY

for round in $(seq "$ROUNDS"); do
    engine=$("$ROOT/sparse-mixer" bench --model "$MODEL" --batch "$BATCH" --threads 2 --warmup "$WARMUP" \
        --iterations $((ROWS / BATCH)) | tail -n 1)
    # The engine as the job runs it: 2 callers sharing one 1-thread encoder (Spark's 2 task slots).
    engine_slots=$("$ROOT/sparse-mixer" bench --model "$MODEL" --batch "$BATCH" --threads 1 --concurrency 2 \
        --warmup "$WARMUP" --iterations $((ROWS / BATCH / 2)) | tail -n 1)
    rm -rf "$WORK/out"
    spark=$(JAVA_OPTS="${JAVA_OPTS:--Xmx3g -XX:+UseParallelGC}" "$ROOT/spark-embed" --master 'local[2]' --model "$MODEL" \
        --input "$WORK/rows.json" --output "$WORK/out" --batch "$BATCH" --threads 1 --warmup "$WARMUP" 2>/dev/null)
    echo "round $round"
    echo "  engine: $engine"
    echo "  engine: $engine_slots"
    echo "$spark" | sed 's/^/  /'
    engine_rate=$(echo "$engine" | sed -n 's/.*seq_per_s=\([0-9.]*\).*/\1/p')
    core_rate=$(echo "$spark" | sed -n 's/.*encoder: \([0-9.]*\) rows\/s per executor core.*/\1/p')
    loaded_rate=$(echo "$spark" | sed -n 's/.*: \([0-9.]*\) rows\/s once the encoder was loaded.*/\1/p')
    job_rate=$(echo "$spark" | sed -n 's/.*s, \([0-9.]*\) rows\/s after Spark.*/\1/p')
    awk -v e="$engine_rate" -v c="$core_rate" -v l="$loaded_rate" -v j="$job_rate" 'BEGIN {
        printf "  spark/engine: once loaded %.2fx; encoder time only (2 x per-core rate) %.2fx; whole job after start-up (load, warm-up, reading included) %.2fx\n",
            l / e, 2 * c / e, j / e }'
done
