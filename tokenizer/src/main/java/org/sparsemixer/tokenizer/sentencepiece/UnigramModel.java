package org.sparsemixer.tokenizer.sentencepiece;

/**
 * unigram_model.cc's EncodeOptimized, the default Viterbi of sentencepiece 0.2: for each character position
 * (in UTF-8 bytes) the best path ending there; every piece starting at a position updates the best path at its
 * end when it is the first candidate or strictly better, so among equal scores the piece starting earliest
 * wins. A character no single piece covers gets an unknown node scored {@code min score - 10}. A USER_DEFINED
 * piece scores {@code byte length * max score - 0.1}, so that it wins.
 *
 * <p>Path scores are float sums, added in the same order as the C++. That matters: segmentations with equal
 * exact scores (e.g. {@code 0 00} and {@code 00 0}) are decided by rounding, and float sums reproduce the
 * library on every test text up to tens of KB (1800 cut-outs of up to 3000 characters, 400 tie-heavy texts;
 * double sums get dozens wrong). Known gap: once the sums grow large (past about 30-110 KB of one single
 * input in the texts tried) the library keeps resolving near-ties as if the sums stayed small, while float
 * sums at that magnitude cannot tell them apart; how it does so was not identified, so such places in very
 * long single inputs may differ (pinned by SentencePieceLongTextTest).
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
        if (size > 0) {
            new Lattice(text, size).viterbi(0, size, out);
        }
        return out;
    }

    /** Best-path arrays over the text. */
    private final class Lattice {
        final byte[] text;
        // best path ending at each byte position: score, start of its last piece (-1: none yet), that piece's id
        final float[] bestScore;
        final int[] bestStart;
        final int[] bestId;

        Lattice(byte[] text, int size) {
            this.text = text;
            bestScore = new float[size + 1];
            bestStart = new int[size + 1];
            bestId = new int[size + 1];
            java.util.Arrays.fill(bestStart, -1);
        }

        /** The best segmentation of {@code text[from, to)}, appended to {@code out}. */
        void viterbi(int from, int to, Segments out) {
            PieceTrie trie = vocabulary.trie;
            float[] scores = vocabulary.scores;
            byte[] types = vocabulary.types;
            float maxScore = vocabulary.maxScore;
            int unkId = vocabulary.unkId;
            bestScore[from] = 0f;
            int startsAt = from;
            while (startsAt < to) {
                float tillHere = bestScore[startsAt];
                int mblen = Utf8.charLen(text, startsAt, to);
                boolean hasSingleNode = false;
                int node = PieceTrie.ROOT;
                for (int keyPos = startsAt; keyPos < to; ) {
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
                    float score = types[id] == ModelProto.USER_DEFINED ? (float) (length * maxScore - 0.1) : scores[id];
                    float candidate = score + tillHere;
                    if (bestStart[keyPos] == -1 || candidate > bestScore[keyPos]) {
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
            int first = out.size;
            for (int end = to; end > from; ) {
                int start = bestStart[end];
                out.add(start, end, bestId[end]);
                end = start;
            }
            out.reverseFrom(first);
        }
    }
}
