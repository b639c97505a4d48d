package org.sparsemixer.tokenizer.sentencepiece;

/**
 * unigram_model.cc's EncodeOptimized, the default Viterbi of sentencepiece 0.2: for each character position
 * (in UTF-8 bytes) the best path ending there; every piece starting at a position updates the best path at its
 * end when it is the first candidate or strictly better, so among equal scores the piece starting earliest
 * wins. A character no single piece covers gets an unknown node scored {@code min score - 10}. A USER_DEFINED
 * piece scores {@code byte length * max score - 0.1}, computed in double as the C++ does, so that it wins.
 */
final class UnigramModel implements SegmentationModel {
    private static final float UNK_PENALTY = 10.0f;

    private final Vocabulary vocabulary;
    private final float unkScore;

    UnigramModel(Vocabulary vocabulary) throws ModelFormatException {
        this.vocabulary = vocabulary;
        this.unkScore = vocabulary.minScore - UNK_PENALTY;
        boolean anyEntry = false;
        for (int id = 0; id < vocabulary.size && !anyEntry; id++) {
            int t = vocabulary.types[id];
            anyEntry = t == ModelProto.NORMAL || t == ModelProto.USER_DEFINED || t == ModelProto.UNUSED;
        }
        if (!anyEntry) {
            throw new ModelFormatException("ModelProto.pieces: no entry is found in the trie");
        }
    }

    @Override
    public Segments encode(byte[] text, int size) {
        Segments out = new Segments(size / 3 + 4);
        if (size == 0) {
            return out;
        }
        PieceTrie trie = vocabulary.trie;
        float[] scores = vocabulary.scores;
        byte[] types = vocabulary.types;
        float maxScore = vocabulary.maxScore;
        int unkId = vocabulary.unkId;
        // best path ending at each byte position: score, start of its last piece (-1: none yet), that piece's id
        float[] bestScore = new float[size + 1];
        int[] bestStart = new int[size + 1];
        int[] bestId = new int[size + 1];
        java.util.Arrays.fill(bestStart, -1);

        int startsAt = 0;
        while (startsAt < size) {
            float tillHere = bestScore[startsAt];
            int mblen = Utf8.charLen(text, startsAt, size);
            boolean hasSingleNode = false;
            int node = 0;
            for (int keyPos = startsAt; keyPos < size; ) {
                node = trie.child(node, text[keyPos]);
                keyPos++;
                if (node == PieceTrie.NONE) {
                    break;
                }
                int id = trie.normalId(node);
                if (id < 0 || types[id] == ModelProto.UNUSED) {
                    continue;
                }
                int length = keyPos - startsAt;
                boolean better;
                float candidate;
                if (types[id] == ModelProto.USER_DEFINED) {
                    double c = ((double) (length * maxScore) - 0.1) + tillHere;
                    better = bestStart[keyPos] == -1 || c > bestScore[keyPos];
                    candidate = (float) c;
                } else {
                    candidate = scores[id] + tillHere;
                    better = bestStart[keyPos] == -1 || candidate > bestScore[keyPos];
                }
                if (better) {
                    bestScore[keyPos] = candidate;
                    bestStart[keyPos] = startsAt;
                    bestId[keyPos] = id;
                }
                if (length == mblen) {
                    hasSingleNode = true;
                }
            }
            if (!hasSingleNode) {
                int end = startsAt + mblen;
                float candidate = unkScore + tillHere;
                if (bestStart[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = candidate;
                    bestStart[end] = startsAt;
                    bestId[end] = unkId;
                }
            }
            startsAt += mblen;
        }
        for (int end = size; end > 0; ) {
            int start = bestStart[end];
            out.add(start, end, bestId[end]);
            end = start;
        }
        out.reverse();
        return out;
    }
}
