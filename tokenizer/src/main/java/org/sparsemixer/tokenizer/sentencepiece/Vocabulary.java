package org.sparsemixer.tokenizer.sentencepiece;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a model with their types and scores, checked as model_interface.cc's InitializePieces checks
 * them (non-empty, no NUL, no duplicates within a map, exactly one UNKNOWN piece, BYTE pieces only with
 * byte_fallback and then all 256 of them).
 */
final class Vocabulary {
    /** model_interface.cc kMaxPieceSize. */
    private static final int MAX_PIECE_BYTES = 8000;

    final int size;
    final String[] pieces;
    final byte[][] pieceBytes;
    final float[] scores;
    final byte[] types;
    final PieceTrie trie;
    final int unkId;
    final boolean byteFallback;
    /** The id of {@code <0xXX>} for every byte when byte fallback is on. */
    final int[] byteIds = new int[256];
    final boolean hasUserDefined;
    final boolean hasUnused;
    /** Minimum and maximum score of NORMAL pieces, initialised like unigram_model.cc (FLT_MAX / FLT_MIN). */
    final float minScore;
    final float maxScore;
    private final Map<String, Integer> idsByPiece;

    Vocabulary(ModelProto model) throws ModelFormatException {
        List<ModelProto.Piece> list = model.pieces();
        size = list.size();
        if (size == 0) {
            throw new ModelFormatException("ModelProto.pieces: no pieces are loaded");
        }
        byteFallback = model.trainerSpec().byteFallback();
        pieces = new String[size];
        pieceBytes = new byte[size][];
        scores = new float[size];
        types = new byte[size];
        idsByPiece = new HashMap<>(size * 2);
        int totalBytes = 0;
        for (ModelProto.Piece p : list) {
            totalBytes += p.piece().length;
        }
        trie = new PieceTrie(totalBytes);
        java.util.Arrays.fill(byteIds, -1);
        int unk = -1;
        boolean userDefined = false;
        boolean unused = false;
        float min = Float.MAX_VALUE;
        float max = Float.MIN_VALUE;
        for (int id = 0; id < size; id++) {
            ModelProto.Piece p = list.get(id);
            byte[] bytes = p.piece();
            String where = "ModelProto.pieces[" + id + "]";
            if (bytes.length >= MAX_PIECE_BYTES) {
                throw new ModelFormatException(where + ": piece is too long (" + bytes.length + " bytes)");
            }
            if (bytes.length == 0) {
                throw new ModelFormatException(where + ": piece must not be empty");
            }
            for (byte b : bytes) {
                if (b == 0) {
                    throw new ModelFormatException(where + ": piece must not include a NUL character");
                }
            }
            int type = p.type();
            String text = new String(bytes, StandardCharsets.UTF_8);
            boolean reserved = type == ModelProto.CONTROL || type == ModelProto.UNKNOWN || type == ModelProto.BYTE;
            if (!trie.add(bytes, id, reserved)) {
                throw new ModelFormatException(where + ": piece " + text + " is already defined");
            }
            pieces[id] = text;
            pieceBytes[id] = bytes;
            scores[id] = p.score();
            types[id] = (byte) type;
            idsByPiece.putIfAbsent(text, id);
            switch (type) {
                case ModelProto.NORMAL -> {
                    min = Math.min(min, p.score());
                    max = Math.max(max, p.score());
                }
                case ModelProto.USER_DEFINED -> userDefined = true;
                case ModelProto.UNUSED -> unused = true;
                case ModelProto.UNKNOWN -> {
                    if (unk >= 0) {
                        throw new ModelFormatException(where + ": unk is already defined (id " + unk + ")");
                    }
                    unk = id;
                }
                case ModelProto.BYTE -> {
                    if (!byteFallback) {
                        throw new ModelFormatException(where + ": byte piece " + text
                                + " is found although TrainerSpec.byte_fallback is false");
                    }
                    int b = pieceToByte(text);
                    if (b < 0) {
                        throw new ModelFormatException(where + ": byte piece " + text + " is invalid");
                    }
                    byteIds[b] = id;
                }
                default -> {
                }
            }
        }
        if (unk < 0) {
            throw new ModelFormatException("ModelProto.pieces: unk is not defined");
        }
        if (byteFallback) {
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new ModelFormatException("ModelProto.pieces: there are not 256 byte pieces although "
                            + "TrainerSpec.byte_fallback is true (" + bytePiece(b) + " is missing)");
                }
            }
        }
        unkId = unk;
        trie.compile();
        hasUserDefined = userDefined;
        hasUnused = unused;
        minScore = min;
        maxScore = max;
    }

    /** {@code ByteToPiece}: {@code <0xXX>} with upper-case hex digits. */
    static String bytePiece(int b) {
        return String.format("<0x%02X>", b);
    }

    private static int pieceToByte(String piece) {
        for (int b = 0; b < 256; b++) {
            if (bytePiece(b).equals(piece)) {
                return b;
            }
        }
        return -1;
    }

    boolean isUnused(int id) {
        return types[id] == ModelProto.UNUSED;
    }

    boolean isUserDefined(int id) {
        return types[id] == ModelProto.USER_DEFINED;
    }

    /** The id of a piece given by its exact text, or -1; reserved pieces (control, unknown, byte) first. */
    int pieceToId(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int id = trie.pieceId(bytes, 0, bytes.length);
        if (id >= 0) {
            return id;
        }
        Integer lossy = idsByPiece.get(piece);
        return lossy == null ? -1 : lossy;
    }

    /**
     * normalizer.cc PrefixMatcher::PrefixMatch over the USER_DEFINED pieces: the byte length of the longest one
     * that is a prefix of {@code s[pos, end)}, or 0 when none is.
     */
    int userDefinedPrefix(byte[] s, int pos, int end) {
        if (!hasUserDefined) {
            return 0;
        }
        int node = 0;
        int longest = 0;
        for (int i = pos; i < end; i++) {
            node = trie.child(node, s[i]);
            if (node == PieceTrie.NONE) {
                break;
            }
            int id = trie.normalId(node);
            if (id >= 0 && types[id] == ModelProto.USER_DEFINED) {
                longest = i + 1 - pos;
            }
        }
        return longest;
    }
}
