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
        run.split();
        for (int i = 1; i < run.count; i++) {
            run.maybeAddPair(i - 1, i);
        }
        run.mergeAll();
        for (int index = 0; index != -1; index = run.next[index]) {
            run.resegment(run.start[index], run.len[index], out);
        }
        return out;
    }

    /** The state of one encode call. */
    private final class Run {
        final byte[] text;
        final int length;
        // symbols: byte range [start, start + len) (len 0 once merged into its left neighbour), links, frozen flag
        int[] start;
        int[] len;
        int[] prev;
        int[] next;
        boolean[] frozen;
        int count;
        // candidate pairs, and a max-heap of pair indexes ordered by (score desc, left asc)
        int[] pairLeft = new int[64];
        int[] pairRight = new int[64];
        float[] pairScore = new float[64];
        int[] pairSize = new int[64];
        int pairs;
        int[] heap = new int[64];
        int heapSize;
        // rev_merge: for an UNUSED piece id, the left part's length of the last pair that could form it
        java.util.HashMap<Integer, long[]> revMerge;

        Run(byte[] text, int length) {
            this.text = text;
            this.length = length;
        }

        void split() {
            int capacity = length;
            start = new int[capacity];
            len = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
            frozen = new boolean[capacity];
            int pos = 0;
            while (pos < length) {
                int userDefined = vocabulary.userDefinedPrefix(text, pos, length);
                int mblen = userDefined > 0 ? userDefined : Utf8.charLen(text, pos, length);
                int index = count++;
                start[index] = pos;
                len[index] = mblen;
                frozen[index] = userDefined > 0;
                prev[index] = index - 1;
                pos += mblen;
                next[index] = pos < length ? index + 1 : -1;
            }
        }

        void maybeAddPair(int left, int right) {
            if (left == -1 || right == -1 || frozen[left] || frozen[right]) {
                return;
            }
            int size = len[left] + len[right];
            int node = vocabulary.trie.find(text, start[left], start[left] + size);
            if (node == PieceTrie.NONE) {
                return;
            }
            int id = vocabulary.trie.normalId(node);
            if (id < 0) {
                return;
            }
            push(left, right, vocabulary.scores[id], size);
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

        private boolean higher(int a, int b) {
            float sa = pairScore[a];
            float sb = pairScore[b];
            return sa > sb || (sa == sb && pairLeft[a] < pairLeft[b]);
        }

        private void push(int left, int right, float score, int size) {
            if (pairs == pairLeft.length) {
                int c = pairs * 2;
                pairLeft = Arrays.copyOf(pairLeft, c);
                pairRight = Arrays.copyOf(pairRight, c);
                pairScore = Arrays.copyOf(pairScore, c);
                pairSize = Arrays.copyOf(pairSize, c);
            }
            int p = pairs++;
            pairLeft[p] = left;
            pairRight[p] = right;
            pairScore[p] = score;
            pairSize[p] = size;
            if (heapSize == heap.length) {
                heap = Arrays.copyOf(heap, heapSize * 2);
            }
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!higher(p, heap[parent])) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = p;
        }

        private int pop() {
            int top = heap[0];
            int last = heap[--heapSize];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= heapSize) {
                    break;
                }
                if (child + 1 < heapSize && higher(heap[child + 1], heap[child])) {
                    child++;
                }
                if (!higher(heap[child], last)) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
