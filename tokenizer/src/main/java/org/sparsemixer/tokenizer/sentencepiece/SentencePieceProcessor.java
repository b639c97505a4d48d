package org.sparsemixer.tokenizer.sentencepiece;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.sparsemixer.tokenizer.Tokens;

/**
 * sentencepiece_processor.cc's Encode: normalize, segment with the model, then PopulateSentencePieceText's
 * post-processing: with byte fallback an unknown piece becomes one {@code <0xXX>} piece per UTF-8 byte of its
 * normalized text; without it, a run of adjacent unknown pieces becomes one unknown piece whose text is the
 * normalized run. Immutable; every call allocates its own scratch arrays.
 */
public final class SentencePieceProcessor {
    private final Vocabulary vocabulary;
    private final Normalizer normalizer;
    private final SegmentationModel model;

    private SentencePieceProcessor(ModelProto proto) throws ModelFormatException {
        vocabulary = new Vocabulary(proto);
        normalizer = new Normalizer(proto.normalizerSpec(), proto.trainerSpec().treatWhitespaceAsSuffix(), vocabulary);
        model = switch (proto.trainerSpec().modelType()) {
            case ModelProto.UNIGRAM -> new UnigramModel(vocabulary);
            case ModelProto.BPE -> new BpeModel(vocabulary);
            default -> throw new ModelFormatException("TrainerSpec.model_type: " + proto.trainerSpec().modelType()
                    + " is not supported (only UNIGRAM=1 and BPE=2)");
        };
    }

    /** Parses and checks a serialized {@code .model}. */
    public static SentencePieceProcessor fromBytes(byte[] model) throws ModelFormatException {
        return new SentencePieceProcessor(ModelProto.parse(model));
    }

    public int vocabSize() {
        return vocabulary.size;
    }

    public int pieceToId(String piece) {
        return vocabulary.pieceToId(piece);
    }

    public String idToPiece(int id) {
        if (id < 0 || id >= vocabulary.size) {
            throw new IllegalArgumentException("id " + id + " is outside [0, " + vocabulary.size + ")");
        }
        return vocabulary.pieces[id];
    }

    /** Encodes a Java string (a lone surrogate counts as one malformed byte: one U+FFFD, not normalized). */
    public Tokens encode(String text) {
        byte[] utf8 = Utf8.encode(text);
        return encode(utf8, utf8.length);
    }

    /** Encodes UTF-8 bytes, well-formed or not: a byte that begins no well-formed character becomes U+FFFD. */
    public Tokens encode(byte[] utf8, int length) {
        Objects.checkFromIndexSize(0, length, utf8.length);
        Normalizer.Text normalized = normalizer.normalize(utf8, length);
        Segments segments = model.encode(normalized.bytes, normalized.length);
        return populate(normalized.bytes, segments);
    }

    private Tokens populate(byte[] text, Segments segments) {
        int n = segments.size;
        int[] ids = new int[n];
        List<String> pieces = new ArrayList<>(n);
        int count = 0;
        int unkId = vocabulary.unkId;
        // an open run of unknown pieces [runStart, runEnd): its text is made once the run ends (linear time)
        int runStart = -1;
        int runEnd = -1;
        for (int i = 0; i < n; i++) {
            int id = segments.ids[i];
            int start = segments.starts[i];
            int end = segments.ends[i];
            boolean unk = id == unkId;
            if (unk && !vocabulary.byteFallback && runStart >= 0) {
                runEnd = end;
                continue;
            }
            if (runStart >= 0) {
                pieces.add(new String(text, runStart, runEnd - runStart, StandardCharsets.UTF_8));
                runStart = -1;
            }
            if (unk && vocabulary.byteFallback) {
                int needed = count + (end - start) + (n - i - 1);
                if (needed > ids.length) {
                    ids = Arrays.copyOf(ids, Math.max(ids.length * 2, needed));
                }
                for (int k = start; k < end; k++) {
                    int byteId = vocabulary.byteIds[text[k] & 0xFF];
                    ids[count++] = byteId;
                    pieces.add(vocabulary.pieces[byteId]);
                }
            } else {
                ids[count++] = id;
                if (unk) {
                    runStart = start;
                    runEnd = end;
                } else {
                    pieces.add(vocabulary.pieces[id]);
                }
            }
        }
        if (runStart >= 0) {
            pieces.add(new String(text, runStart, runEnd - runStart, StandardCharsets.UTF_8));
        }
        return new Tokens(count == ids.length ? ids : Arrays.copyOf(ids, count), pieces);
    }
}
