package org.sparsemixer.tokenizer.sentencepiece;

import java.util.Arrays;

/**
 * A byte trie over the vocabulary pieces, walked one byte at a time by the unigram lattice and used for exact
 * lookups of byte ranges (BPE merges, piece ids). Pieces are first collected in a hash-based trie; {@link #compile}
 * then lays it out as a double array (node {@code n}'s child over byte {@code b} sits at {@code base[n] + b} and is
 * valid when {@code check} there is {@code n}), so a step while encoding is two array reads and nothing is allocated.
 *
 * <p>Each node carries two ids, mirroring model_interface.cc's two maps: {@code normalId} for NORMAL,
 * USER_DEFINED and UNUSED pieces ({@code pieces_}, what the models match and merge), {@code reservedId} for
 * CONTROL, UNKNOWN and BYTE pieces ({@code reserved_id_map_}, consulted first by PieceToId).
 */
final class PieceTrie {
    static final int NONE = -1;
    static final int ROOT = 0;

    // the double array (after compile)
    private int[] base;
    private int[] check;
    private int[] normalIds;
    private int[] reservedIds;

    // the hash-based trie being built (before compile): edge (node << 8 | byte) -> child node
    private long[] keys;
    private int[] children;
    private int mask;
    private int edges;
    private int nodes = 1;

    PieceTrie(int expectedBytes) {
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

    /** Adds {@code piece} (before {@link #compile}); false when the map it belongs to already holds it. */
    boolean add(byte[] piece, int id, boolean reserved) {
        int node = ROOT;
        for (byte b : piece) {
            long key = (long) node << 8 | (b & 0xFF);
            int next = lookup(key);
            if (next == NONE) {
                next = newNode();
                if ((edges + 1) * 2 > keys.length) {
                    rehash();
                }
                insert(key, next);
                edges++;
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
        int c = base[node] + (b & 0xFF);
        return check[c] == node ? c : NONE;
    }

    int normalId(int node) {
        return normalIds[node];
    }

    int reservedId(int node) {
        return reservedIds[node];
    }

    /** The node spelling {@code s[from, to)}, or {@link #NONE}. */
    int find(byte[] s, int from, int to) {
        return walk(ROOT, s, from, to);
    }

    /** The node reached from {@code node} over {@code s[from, to)}, or {@link #NONE}. */
    int walk(int node, byte[] s, int from, int to) {
        for (int i = from; i < to && node != NONE; i++) {
            node = child(node, s[i]);
        }
        return node;
    }

    /** model_interface.cc PieceToId without the unknown fallback: reserved pieces first, then the others. */
    int pieceId(byte[] s, int from, int to) {
        int node = find(s, from, to);
        if (node == NONE || node == ROOT) {
            return NONE;
        }
        return reservedIds[node] != NONE ? reservedIds[node] : normalIds[node];
    }

    /**
     * Lays the collected trie out as a double array: nodes in breadth-first order, each given the first base at
     * which all its children's slots are free (first-fit from the lowest free slot keeps the array dense).
     */
    void compile() {
        // children of each node, grouped by parent (counting sort) and ordered by byte
        int[] first = new int[nodes + 1];
        for (long key : keys) {
            if (key != -1L) {
                first[(int) (key >>> 8) + 1]++;
            }
        }
        for (int n = 0; n < nodes; n++) {
            first[n + 1] += first[n];
        }
        int[] fill = Arrays.copyOf(first, nodes);
        int[] edgeBytes = new int[edges];
        int[] edgeChildren = new int[edges];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != -1L) {
                int k = fill[(int) (keys[i] >>> 8)]++;
                edgeBytes[k] = (int) (keys[i] & 0xFF);
                edgeChildren[k] = children[i];
            }
        }
        for (int n = 0; n < nodes; n++) {
            sortByByte(edgeBytes, edgeChildren, first[n], first[n + 1]);
        }
        int[] position = new int[nodes];
        int capacity = Math.max(512, nodes * 2 + 256);
        int[] newBase = new int[capacity];
        int[] newCheck = new int[capacity];
        Arrays.fill(newCheck, NONE);
        newCheck[ROOT] = Integer.MIN_VALUE;  // the root's slot is taken
        int[] queue = new int[nodes];
        int head = 0;
        int tail = 0;
        queue[tail++] = ROOT;
        int firstFree = 1;
        int used = 1;
        while (head < tail) {
            int node = queue[head++];
            int from = first[node];
            int to = first[node + 1];
            if (from == to) {
                continue;
            }
            int lowest = edgeBytes[from];
            int b = Math.max(1, firstFree - lowest);
            while (true) {
                if (b + 256 >= newCheck.length) {
                    int old = newCheck.length;
                    newBase = Arrays.copyOf(newBase, old * 2);
                    newCheck = Arrays.copyOf(newCheck, old * 2);
                    Arrays.fill(newCheck, old, newCheck.length, NONE);
                }
                boolean fits = true;
                for (int k = from; k < to && fits; k++) {
                    fits = newCheck[b + edgeBytes[k]] == NONE;
                }
                if (fits) {
                    break;
                }
                b++;
            }
            int at = position[node];
            newBase[at] = b;
            for (int k = from; k < to; k++) {
                int slot = b + edgeBytes[k];
                int child = edgeChildren[k];
                newCheck[slot] = at;
                position[child] = slot;
                queue[tail++] = child;
                used = Math.max(used, slot + 1);
            }
            while (newCheck[firstFree] != NONE) {
                firstFree++;
            }
        }
        int size = used + 256;  // so that base + byte never leaves the array
        base = Arrays.copyOf(newBase, size);
        check = Arrays.copyOf(newCheck, size);
        for (int i = used; i < size; i++) {
            check[i] = NONE;
        }
        int[] normal = new int[size];
        int[] reserved = new int[size];
        Arrays.fill(normal, NONE);
        Arrays.fill(reserved, NONE);
        for (int n = 0; n < nodes; n++) {
            normal[position[n]] = normalIds[n];
            reserved[position[n]] = reservedIds[n];
        }
        normalIds = normal;
        reservedIds = reserved;
        keys = null;
        children = null;
    }

    /** Insertion sort of one node's edges by byte (a node has at most 256, usually one or two). */
    private static void sortByByte(int[] bytes, int[] kids, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int b = bytes[i];
            int c = kids[i];
            int j = i - 1;
            while (j >= from && bytes[j] > b) {
                bytes[j + 1] = bytes[j];
                kids[j + 1] = kids[j];
                j--;
            }
            bytes[j + 1] = b;
            kids[j + 1] = c;
        }
    }

    private int lookup(long key) {
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
