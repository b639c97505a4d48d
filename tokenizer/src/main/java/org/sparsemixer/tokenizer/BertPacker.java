package org.sparsemixer.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs one or more texts into encoder inputs as TF Model Garden's {@code BertPackInputs}: each text is
 * tokenized ({@link Tokenizer#encode}), the segments are trimmed to {@code seq_length - (segments + 1)}
 * tokens by the {@link Truncator}, then laid out as {@code [CLS] a [SEP] b [SEP] ...} followed by padding.
 * Special ids are looked up by name: {@code [CLS]}, {@code [SEP]}, and {@code [PAD]} or else {@code <pad>}.
 * Immutable and thread-safe when the tokenizer is.
 */
public final class BertPacker {
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String MASK = "[MASK]";
    /** WordPiece's padding entry; SentencePiece models call theirs {@link #SENTENCEPIECE_PAD}. */
    public static final String PAD = "[PAD]";
    public static final String SENTENCEPIECE_PAD = "<pad>";

    private final Tokenizer tokenizer;
    private final int seqLength;
    private final Truncator truncator;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final int maskId;

    /**
     * @throws InvalidTokenizerException the vocabulary has no {@code [CLS]}, {@code [SEP]} or padding entry
     * @throws IllegalArgumentException {@code seqLength < 2}
     */
    public BertPacker(Tokenizer tokenizer, int seqLength, Truncator truncator) {
        if (seqLength < 2) {
            throw new IllegalArgumentException("seq_length " + seqLength + " is too short: at least 2 ([CLS] and [SEP])");
        }
        this.tokenizer = tokenizer;
        this.seqLength = seqLength;
        this.truncator = truncator;
        this.clsId = required(tokenizer, CLS);
        this.sepId = required(tokenizer, SEP);
        int pad = lookup(tokenizer, PAD);
        this.padId = pad >= 0 ? pad : lookup(tokenizer, SENTENCEPIECE_PAD);
        if (padId < 0) {
            throw new InvalidTokenizerException("the tokenizer's vocabulary has neither " + PAD + " nor "
                    + SENTENCEPIECE_PAD + ": no padding id for packing");
        }
        this.maskId = lookup(tokenizer, MASK);
    }

    /**
     * The id of the entry that is exactly {@code piece}, or -1. The id is checked to map back to the piece,
     * so that a tokenizer answering unknown pieces with its unknown id is not taken at its word.
     */
    private static int lookup(Tokenizer tokenizer, String piece) {
        int id = tokenizer.pieceToId(piece);
        return id >= 0 && id < tokenizer.vocabSize() && piece.equals(tokenizer.idToPiece(id)) ? id : -1;
    }

    private static int required(Tokenizer tokenizer, String piece) {
        int id = lookup(tokenizer, piece);
        if (id < 0) {
            throw new InvalidTokenizerException("the tokenizer's vocabulary has no " + piece + " entry, needed for packing");
        }
        return id;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public int seqLength() {
        return seqLength;
    }

    public Truncator truncator() {
        return truncator;
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    public int padId() {
        return padId;
    }

    /** The id of {@code [MASK]}, or -1 when the vocabulary has none (packing does not need it). */
    public int maskId() {
        return maskId;
    }

    /** Tokenizes and packs one or more texts (segments). */
    public PackedInput pack(String... texts) {
        return pack(Arrays.asList(texts));
    }

    /** Tokenizes and packs one or more texts (segments). */
    public PackedInput pack(List<String> texts) {
        List<int[]> segments = new ArrayList<>(texts.size());
        for (String text : texts) {
            segments.add(tokenizer.encode(text).ids());
        }
        return packIds(segments);
    }

    /**
     * Packs already tokenized segments.
     *
     * @throws IllegalArgumentException no segments, or more than {@code seq_length - 1}
     */
    public PackedInput packIds(List<int[]> segments) {
        int n = segments.size();
        if (n == 0) {
            throw new IllegalArgumentException("nothing to pack: at least one segment (text) is needed");
        }
        int budget = seqLength - (n + 1);
        if (budget < 0) {
            throw new IllegalArgumentException("seq_length " + seqLength + " cannot hold " + n + " segments: "
                    + (n + 1) + " positions go to [CLS] and [SEP]");
        }
        int[] lengths = segments.stream().mapToInt(s -> s.length).toArray();
        int[] kept = truncator.keep(lengths, budget);
        int[] ids = new int[seqLength];
        int[] mask = new int[seqLength];
        int[] types = new int[seqLength];
        Arrays.fill(ids, padId);
        int at = 0;
        ids[at++] = clsId;
        for (int s = 0; s < n; s++) {
            System.arraycopy(segments.get(s), 0, ids, at, kept[s]);
            Arrays.fill(types, at, at + kept[s] + 1, s);
            at += kept[s];
            ids[at++] = sepId;
        }
        Arrays.fill(mask, 0, at, 1);
        return new PackedInput(ids, mask, types);
    }

    /** How many tokens each segment would keep (the trimming step alone). */
    public int[] keptLengths(int[] segmentLengths) {
        return truncator.keep(segmentLengths, seqLength - (segmentLengths.length + 1));
    }
}
