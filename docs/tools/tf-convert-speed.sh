#!/usr/bin/env bash
# Conversion speed of `convert --tf-checkpoint` against the disk's sequential read rate, in one run.
# Usage: docs/tools/tf-convert-speed.sh CHECKPOINT_PREFIX CONFIG_JSON OUTPUT_DIR
# The checkpoint's data shard is dropped from the page cache (dd iflag=nocache, posix_fadvise DONTNEED)
# before each measurement, so both read it from the disk: first dd with O_DIRECT (the disk's sequential
# read rate), then the converter (read, check CRC32C, write model.safetensors), timed with /usr/bin/time -v
# for its peak resident memory.
set -euo pipefail
prefix=$1 config=$2 out=$3
here=$(cd "$(dirname "$0")/../.." && pwd)
shopt -s nullglob
shards=("$prefix".data-*)
bytes=$(cat "${shards[@]}" "$prefix.index" | wc -c)
drop() { for f in "${shards[@]}" "$prefix.index"; do dd if="$f" iflag=nocache count=0 status=none; done; }

drop
start=$(date +%s.%N)
for f in "${shards[@]}"; do dd if="$f" of=/dev/null bs=8M iflag=direct status=none; done
disk=$(echo "$(date +%s.%N) - $start" | bc)

# reference for reading and writing the same bytes with no checking at all: dd from the disk to a file
drop
mkdir -p "$out"
start=$(date +%s.%N)
for f in "${shards[@]}"; do dd if="$f" of="$out/copy" bs=8M status=none; done
sync -f "$out/copy" 2>/dev/null || true
copy=$(echo "$(date +%s.%N) - $start" | bc)
rm -f "$out/copy"

drop
rm -rf "$out"
/usr/bin/time -v "$here/sparse-mixer" convert --tf-checkpoint "$prefix" --config "$config" --output "$out" \
    2> /tmp/tf-convert-speed.time
convert=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' /tmp/tf-convert-speed.time)
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' /tmp/tf-convert-speed.time)
cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' /tmp/tf-convert-speed.time)
awk -v b="$bytes" -v d="$disk" -v k="$copy" -v c="$convert" -v r="$rss" -v u="$cpu" 'BEGIN {
    printf "checkpoint %.1f MB; disk sequential read (O_DIRECT) %.2f s = %.0f MB/s; dd copy to the output disk %.2f s = %.0f MB/s\n",
        b / 1e6, d, b / 1e6 / d, k, b / 1e6 / k
    printf "convert %.2f s = %.0f MB/s = %.2fx the disk read rate (%.2fx the dd copy); CPU %.2f s; peak RSS %.0f MB\n",
        c, b / 1e6 / c, d / c, k / c, u, r / 1024 }'
