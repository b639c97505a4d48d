package org.sparsemixer.tokenizer.sentencepiece;

import java.util.Arrays;

/**
 * A byte trie over the vocabulary pieces, walked one byte at a time by the unigram lattice and used for exact
 * lookups of byte ranges (BPE merges, piece ids). Node 0 is the root; its children sit in a direct 256-entry
 * table, deeper edges in one open-addressing hash table keyed by {@code (node << 8) | byte}, so a step costs one
 * array read or one short probe and nothing is allocated while encoding.
 *
 * <p>Each node carries two ids, mirroring model_interface.cc's two maps: {@code normalId} for NORMAL,
 * USER_DEFINED and UNUSED pieces ({@code pieces_}, what the models match and merge), {@code reservedId} for
 * CONTROL, UNKNOWN and BYTE pieces ({@code reserved_id_map_}, consulted first by PieceToId).
 */
final class PieceTrie {
    static final int NONE = -1;

    private final int[] rootChildren = new int[256];
    private long[] keys;
    private int[] children;
    private int mask;
    private int edges;
    private int[] normalIds;
    private int[] reservedIds;
    private int nodes = 1;

    PieceTrie(int expectedBytes) {
        Arrays.fill(rootChildren, NONE);
        int capacity = Integer.highestOneBit(Math.max(16, expectedBytes * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, -1L);
        children = new int[capacity];
        mask = capacity - 1;
        normalIds = new int[Math.max(16, expectedBytes + 1)];
        reservedIds = new int[normalIds.length];
        Arrays.fill(normalIds, NONE);
        Arrays.fill(reservedIds, NONE);
    }

    /** Adds {@code piece}; false when the map it belongs to already holds it. */
    boolean add(byte[] piece, int id, boolean reserved) {
        int node = 0;
        for (byte b : piece) {
            int next = child(node, b);
            if (next == NONE) {
                next = newNode();
                putChild(node, b, next);
            }
            node = next;
        }
        int[] ids = reserved ? reservedIds : normalIds;
        if (ids[node] != NONE) {
            return false;
        }
        ids[node] = id;
        return true;
    }

    /** The node reached from {@code node} over byte {@code b}, or {@link #NONE}. */
    int child(int node, byte b) {
        if (node == 0) {
            return rootChildren[b & 0xFF];
        }
        long key = (long) node << 8 | (b & 0xFF);
        int slot = hash(key) & mask;
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return children[slot];
            }
            if (k == -1L) {
                return NONE;
            }
            slot = (slot + 1) & mask;
        }
    }

    int normalId(int node) {
        return normalIds[node];
    }

    int reservedId(int node) {
        return reservedIds[node];
    }

    /** The node spelling {@code s[from, to)}, or {@link #NONE}. */
    int find(byte[] s, int from, int to) {
        int node = 0;
        for (int i = from; i < to && node != NONE; i++) {
            node = child(node, s[i]);
        }
        return node;
    }

    /** model_interface.cc PieceToId without the unknown fallback: reserved pieces first, then the others. */
    int pieceId(byte[] s, int from, int to) {
        int node = find(s, from, to);
        if (node == NONE || node == 0) {
            return NONE;
        }
        return reservedIds[node] != NONE ? reservedIds[node] : normalIds[node];
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    private int newNode() {
        if (nodes == normalIds.length) {
            normalIds = grow(normalIds);
            reservedIds = grow(reservedIds);
        }
        return nodes++;
    }

    private static int[] grow(int[] a) {
        int old = a.length;
        int[] b = Arrays.copyOf(a, old * 2);
        Arrays.fill(b, old, b.length, NONE);
        return b;
    }

    private void putChild(int node, byte b, int child) {
        if (node == 0) {
            rootChildren[b & 0xFF] = child;
            return;
        }
        if ((edges + 1) * 2 > keys.length) {
            rehash();
        }
        insert((long) node << 8 | (b & 0xFF), child);
        edges++;
    }

    private void insert(long key, int child) {
        int slot = hash(key) & mask;
        while (keys[slot] != -1L) {
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        children[slot] = child;
    }

    private void rehash() {
        long[] oldKeys = keys;
        int[] oldChildren = children;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, -1L);
        children = new int[keys.length];
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != -1L) {
                insert(oldKeys[i], oldChildren[i]);
            }
        }
    }
}
