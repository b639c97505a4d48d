package org.sparsemixer.tokenizer.sentencepiece;

import java.util.Arrays;

/** A model's output: pieces as byte ranges {@code [start, end)} of the normalized text, with their ids. */
final class Segments {
    int[] starts;
    int[] ends;
    int[] ids;
    int size;

    Segments(int capacity) {
        int c = Math.max(4, capacity);
        starts = new int[c];
        ends = new int[c];
        ids = new int[c];
    }

    void add(int start, int end, int id) {
        if (size == ids.length) {
            int c = size * 2;
            starts = Arrays.copyOf(starts, c);
            ends = Arrays.copyOf(ends, c);
            ids = Arrays.copyOf(ids, c);
        }
        starts[size] = start;
        ends[size] = end;
        ids[size] = id;
        size++;
    }

    /** Reverses the order of the pieces from {@code from} on (backtracking collects them from the end). */
    void reverseFrom(int from) {
        for (int i = from, j = size - 1; i < j; i++, j--) {
            swap(starts, i, j);
            swap(ends, i, j);
            swap(ids, i, j);
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
