package org.sparsemixer.tokenizer.sentencepiece;

/**
 * The normalizer's {@code precompiled_charsmap}: {@code <uint32 LE trie size><Darts-clone double array><normalized
 * strings, each NUL-terminated>}, decoded as normalizer.cc's DecodePrecompiledCharsMap does. The double array maps
 * a UTF-8 byte sequence to the offset of its replacement in the string blob; {@link #longestMatch} is Darts'
 * commonPrefixSearch keeping the longest of at most {@value #MAX_TRIE_RESULTS} results, as NormalizePrefix does.
 *
 * <p>A unit is a uint32: bits 0-7 the label (bit 31 set on leaf units, so they never match a label), bit 8
 * "has leaf", bit 9 the offset scale, bits 10-31 the offset; a leaf unit's low 31 bits are the value. The
 * constructor walks every reachable node once so that a corrupt map fails at load time, not while encoding.
 */
final class PrecompiledCharsMap {
    /** normalizer.h kMaxTrieResultsSize. */
    static final int MAX_TRIE_RESULTS = 32;

    private final int[] units;
    private final byte[] strings;

    PrecompiledCharsMap(byte[] blob) throws ModelFormatException {
        if (blob.length <= 4) {
            throw new ModelFormatException("NormalizerSpec.precompiled_charsmap: blob of " + blob.length
                    + " bytes is broken");
        }
        long trieSize = (blob[0] & 0xFFL) | (blob[1] & 0xFFL) << 8 | (blob[2] & 0xFFL) << 16 | (blob[3] & 0xFFL) << 24;
        if (trieSize > blob.length - 4L) {
            throw new ModelFormatException("NormalizerSpec.precompiled_charsmap: trie size " + trieSize
                    + " exceeds the blob size " + blob.length);
        }
        int unitCount = (int) (trieSize / 4);
        units = new int[unitCount];
        for (int i = 0, p = 4; i < unitCount; i++, p += 4) {
            units[i] = (blob[p] & 0xFF) | (blob[p + 1] & 0xFF) << 8 | (blob[p + 2] & 0xFF) << 16 | blob[p + 3] << 24;
        }
        strings = java.util.Arrays.copyOfRange(blob, 4 + (int) trieSize, blob.length);
        validate();
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static boolean hasLeaf(int unit) {
        return (unit >>> 8 & 1) == 1;
    }

    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    /**
     * The longest rule matching a prefix of {@code s[pos, end)}: {@code (length << 32) | stringOffset}, or -1
     * when none matches.
     */
    long longestMatch(byte[] s, int pos, int end) {
        int n = units.length;
        if (n == 0) {
            return -1;
        }
        int id = offset(units[0]);
        long best = -1;
        int results = 0;
        for (int i = pos; i < end; i++) {
            int b = s[i] & 0xFF;
            id ^= b;
            if (id >= n) {
                return best;
            }
            int unit = units[id];
            if (label(unit) != b) {
                return best;
            }
            id ^= offset(unit);
            if (hasLeaf(unit)) {
                if (results++ < MAX_TRIE_RESULTS) {
                    best = (long) (i + 1 - pos) << 32 | (units[id] & 0x7FFFFFFF);
                }
            }
        }
        return best;
    }

    /**
     * For an ASCII byte whose match cannot be extended (no rule is longer than that byte alone, or, with
     * {@code nextIsAscii}, none whose second byte is ASCII): its rule's string offset, or -2 when no rule starts
     * with it at all; -1 when a longer rule might match (the caller must search).
     */
    int singleByteRule(int b, boolean nextIsAscii) {
        int n = units.length;
        if (n == 0) {
            return -2;
        }
        int id = offset(units[0]) ^ b;
        if (id >= n || label(units[id]) != b) {
            return -2;
        }
        int unit = units[id];
        int base = id ^ offset(unit);
        for (int c = 1; c < (nextIsAscii ? 0x80 : 256); c++) {
            int child = base ^ c;
            if (child < n && label(units[child]) == c) {
                return -1;
            }
        }
        return hasLeaf(unit) ? units[base] & 0x7FFFFFFF : -2;
    }

    /** The replacement string blob; a replacement runs from the match's offset to the next NUL. */
    byte[] strings() {
        return strings;
    }

    /** Where the NUL-terminated replacement at {@code offset} ends. */
    int stringEnd(int offset) {
        int e = offset;
        while (strings[e] != 0) {
            e++;
        }
        return e;
    }

    /**
     * Visits every node reachable from the root (each at most once, so a cyclic array cannot hang) and checks
     * that child and leaf indexes lie inside the array and every replacement offset inside the NUL-terminated
     * string blob.
     */
    private void validate() throws ModelFormatException {
        int n = units.length;
        if (n == 0) {
            return;
        }
        boolean blobTerminated = strings.length > 0 && strings[strings.length - 1] == 0;
        java.util.BitSet visited = new java.util.BitSet(n);
        int[] stack = new int[Math.max(16, n)];
        int top = 0;
        stack[top++] = 0;
        visited.set(0);
        while (top > 0) {
            int id = stack[--top];
            int base = id ^ offset(units[id]);
            if (id != 0 && hasLeaf(units[id])) {
                if (base >= n) {
                    throw corrupt("leaf index " + base + " outside the " + n + " units");
                }
                int value = units[base] & 0x7FFFFFFF;
                if (value >= strings.length || !blobTerminated) {
                    throw corrupt("replacement offset " + value + " outside the " + strings.length
                            + "-byte string blob (or the blob is not NUL-terminated)");
                }
            }
            for (int c = 0; c < 256; c++) {
                int child = base ^ c;
                if (child < n && label(units[child]) == c && !visited.get(child)) {
                    visited.set(child);
                    stack[top++] = child;
                }
            }
        }
    }

    private static ModelFormatException corrupt(String what) {
        return new ModelFormatException("NormalizerSpec.precompiled_charsmap: corrupt double array: " + what);
    }
}
