package org.sparsemixer.tokenizer.sentencepiece;

import java.util.Arrays;

/**
 * bpe_model.cc's Encode (SampleEncode without dropout): the text starts as characters (a USER_DEFINED piece at a
 * position is one frozen symbol instead); then, repeatedly, the adjacent pair whose concatenation is the
 * highest-scoring vocabulary piece is merged, the leftmost on equal scores. Pairs wait in a binary heap of
 * primitive arrays; a pair made stale by an earlier merge is recognised, as in the C++, by its symbols' lengths
 * no longer adding up. Finally a merged UNUSED piece is split back into the pair that formed it (rev_merge).
 */
final class BpeModel implements SegmentationModel {
    private final Vocabulary vocabulary;

    BpeModel(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    @Override
    public Segments encode(byte[] text, int length) {
        Segments out = new Segments(length / 3 + 4);
        if (length == 0) {
            return out;
        }
        Run run = new Run(text, length);
        if (vocabulary.hasUserDefined || vocabulary.hasUnused) {
            run.encodeRange(0, length, out);
            return out;
        }
        // Independent stretches: a position no vocabulary piece occurring in the text spans can never lie inside
        // a merged symbol, so the text on either side evolves independently and the merges of one stretch come
        // out in the same order as in the single global agenda. Small agendas stay in cache. (Not done with
        // USER_DEFINED pieces, whose greedy matching must run from the start, or UNUSED ones, whose global
        // rev_merge map depends on the order of all pushes.)
        PieceTrie trie = vocabulary.trie;
        int stretchStart = 0;
        int reach = 0;
        int pos = 0;
        while (pos < length) {
            if (pos > stretchStart && reach <= pos) {
                run.encodeRange(stretchStart, pos, out);
                stretchStart = pos;
            }
            int node = PieceTrie.ROOT;
            for (int k = pos; k < length; k++) {
                node = trie.child(node, text[k]);
                if (node == PieceTrie.NONE) {
                    break;
                }
                if (trie.normalId(node) >= 0 && k + 1 > reach) {
                    reach = k + 1;
                }
            }
            pos += Utf8.charLen(text, pos, length);
        }
        run.encodeRange(stretchStart, length, out);
        return out;
    }

    /** The state of one encode call. */
    private final class Run {
        final byte[] text;
        // symbols: byte range [start, start + len) (len 0 once merged into its left neighbour), links, frozen flag
        int[] start;
        int[] len;
        int[] prev;
        int[] next;
        boolean[] frozen;
        int count;
        // the trie node spelling each symbol (NONE: no vocabulary piece starts with it)
        int[] node;
        // candidate pairs, and a max-heap of them keyed by score, then leftmost (see key())
        int[] pairLeft = new int[64];
        int[] pairRight = new int[64];
        int[] pairSize = new int[64];
        int[] pairNode = new int[64];
        int pairs;
        long[] heapKey = new long[64];
        int[] heapPair = new int[64];
        int heapSize;
        // rev_merge: for an UNUSED piece id, {left start, left length, right start, right length} of the last pair
        // that could form it
        java.util.HashMap<Integer, long[]> revMerge;

        Run(byte[] text, int capacity) {
            this.text = text;
            start = new int[capacity];
            len = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
            frozen = new boolean[capacity];
            node = new int[capacity];
        }

        /** BPE over {@code text[from, to)}, appending the pieces to {@code out}. */
        void encodeRange(int from, int to, Segments out) {
            count = 0;
            pairs = 0;
            heapSize = 0;
            split(from, to);
            for (int i = 1; i < count; i++) {
                maybeAddPair(i - 1, i);
            }
            mergeAll();
            for (int index = 0; index != -1; index = next[index]) {
                resegment(start[index], len[index], out);
            }
        }

        private void split(int from, int to) {
            int pos = from;
            while (pos < to) {
                int userDefined = vocabulary.userDefinedPrefix(text, pos, to);
                int mblen = userDefined > 0 ? userDefined : Utf8.charLen(text, pos, to);
                int index = count++;
                start[index] = pos;
                len[index] = mblen;
                frozen[index] = userDefined > 0;
                node[index] = vocabulary.trie.find(text, pos, pos + mblen);
                prev[index] = index - 1;
                pos += mblen;
                next[index] = pos < to ? index + 1 : -1;
            }
        }

        void maybeAddPair(int left, int right) {
            if (left == -1 || right == -1 || frozen[left] || frozen[right] || node[left] == PieceTrie.NONE) {
                return;
            }
            PieceTrie trie = vocabulary.trie;
            int merged = trie.walk(node[left], text, start[right], start[right] + len[right]);
            if (merged == PieceTrie.NONE) {
                return;
            }
            int id = trie.normalId(merged);
            if (id < 0) {
                return;
            }
            push(left, right, vocabulary.scores[id], len[left] + len[right], merged);
            if (vocabulary.isUnused(id)) {
                if (revMerge == null) {
                    revMerge = new java.util.HashMap<>();
                }
                revMerge.put(id, new long[] {start[left], len[left], start[right], len[right]});
            }
        }

        void mergeAll() {
            while (heapSize > 0) {
                int top = pop();
                int left = pairLeft[top];
                int right = pairRight[top];
                if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != pairSize[top]) {
                    continue;
                }
                len[left] += len[right];
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                len[right] = 0;
                node[left] = pairNode[top];
                maybeAddPair(prev[left], left);
                maybeAddPair(left, next[left]);
            }
        }

        /** Emits a final symbol, splitting merged UNUSED pieces back into their parts. */
        void resegment(int from, int size, Segments out) {
            int id = vocabulary.trie.pieceId(text, from, from + size);
            if (id < 0) {
                out.add(from, from + size, vocabulary.unkId);
                return;
            }
            long[] parts = vocabulary.isUnused(id) && revMerge != null ? revMerge.get(id) : null;
            if (parts == null) {
                out.add(from, from + size, id);
                return;
            }
            resegment((int) parts[0], (int) parts[1], out);
            resegment((int) parts[2], (int) parts[3], out);
        }

        /**
         * The heap order as one long: the score's bits made order-preserving in the high half (-0.0 counted as
         * 0.0, as the C++ comparison does), {@code MAX - left} in the low half, so a larger key is a higher score,
         * then a smaller left index (bpe_model.cc's SymbolPairComparator).
         */
        private static long key(float score, int left) {
            int bits = Float.floatToRawIntBits(score + 0.0f);
            int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF);
            return (long) ordered << 32 | (Integer.MAX_VALUE - left);
        }

        private void push(int left, int right, float score, int size, int mergedNode) {
            if (pairs == pairLeft.length) {
                int c = pairs * 2;
                pairLeft = Arrays.copyOf(pairLeft, c);
                pairRight = Arrays.copyOf(pairRight, c);
                pairSize = Arrays.copyOf(pairSize, c);
                pairNode = Arrays.copyOf(pairNode, c);
            }
            int p = pairs++;
            pairLeft[p] = left;
            pairRight[p] = right;
            pairSize[p] = size;
            pairNode[p] = mergedNode;
            if (heapSize == heapKey.length) {
                heapKey = Arrays.copyOf(heapKey, heapSize * 2);
                heapPair = Arrays.copyOf(heapPair, heapSize * 2);
            }
            long k = key(score, left);
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heapKey[parent] >= k) {
                    break;
                }
                heapKey[i] = heapKey[parent];
                heapPair[i] = heapPair[parent];
                i = parent;
            }
            heapKey[i] = k;
            heapPair[i] = p;
        }

        private int pop() {
            int top = heapPair[0];
            int n = --heapSize;
            long lastKey = heapKey[n];
            int lastPair = heapPair[n];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= n) {
                    break;
                }
                if (child + 1 < n && heapKey[child + 1] > heapKey[child]) {
                    child++;
                }
                if (heapKey[child] <= lastKey) {
                    break;
                }
                heapKey[i] = heapKey[child];
                heapPair[i] = heapPair[child];
                i = child;
            }
            heapKey[i] = lastKey;
            heapPair[i] = lastPair;
            return top;
        }
    }
}
