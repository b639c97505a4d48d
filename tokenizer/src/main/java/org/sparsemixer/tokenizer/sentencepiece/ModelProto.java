package org.sparsemixer.tokenizer.sentencepiece;

import java.util.ArrayList;
import java.util.List;

/**
 * The few fields of SentencePiece's {@code ModelProto} (sentencepiece_model.proto) that encoding needs: the
 * pieces with their scores and types, the trainer flags that change encoding, and the normalizer spec.
 *
 * <p>Parsed with the small {@link ProtoReader} rather than protobuf-java: the tokenizer module has no runtime
 * dependencies, and about ten fields are read. Unknown fields are skipped, as protobuf does. Defaults are the
 * proto2 defaults of the .proto file (e.g. a missing type is NORMAL, add_dummy_prefix is true).
 */
record ModelProto(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec) {

    /** {@code ModelProto.SentencePiece.Type}. */
    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    /** {@code TrainerSpec.ModelType}. */
    public static final int UNIGRAM = 1;
    public static final int BPE = 2;
    public static final int WORD = 3;
    public static final int CHAR = 4;

    /** One vocabulary entry; {@code piece} is the raw bytes of the proto string (normally UTF-8). */
    public record Piece(byte[] piece, float score, int type) {
    }

    public record TrainerSpec(int modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix) {
    }

    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    }

    public ModelProto {
        pieces = List.copyOf(pieces);
    }

    /** Parses a serialized ModelProto; every malformed input ends in a {@link ModelFormatException}. */
    public static ModelProto parse(byte[] model) throws ModelFormatException {
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = new TrainerSpec(UNIGRAM, false, false);
        NormalizerSpec normalizer = new NormalizerSpec("", new byte[0], true, true, true);
        ProtoReader reader = new ProtoReader(model, 0, model.length, "ModelProto");
        while (reader.next()) {
            switch (reader.fieldNumber()) {
                case 1 -> pieces.add(parsePiece(reader.readMessage("pieces", "ModelProto.SentencePiece")));
                case 2 -> trainer = parseTrainer(reader.readMessage("trainer_spec", "TrainerSpec"), trainer);
                case 3 -> normalizer = parseNormalizer(reader.readMessage("normalizer_spec", "NormalizerSpec"),
                        normalizer);
                default -> reader.skip();
            }
        }
        return new ModelProto(pieces, trainer, normalizer);
    }

    private static Piece parsePiece(ProtoReader reader) throws ModelFormatException {
        byte[] piece = new byte[0];
        float score = 0f;
        int type = NORMAL;
        while (reader.next()) {
            switch (reader.fieldNumber()) {
                case 1 -> piece = reader.readBytes("piece");
                case 2 -> score = reader.readFloat("score");
                case 3 -> type = knownEnum(reader.readInt32("type"), BYTE, type);
                default -> reader.skip();
            }
        }
        return new Piece(piece, score, type);
    }

    /**
     * proto2 enums are closed: protobuf keeps a number the enum does not define among the unknown fields and
     * leaves the field as it was (so the library reads the default), and so does this parser.
     */
    private static int knownEnum(int value, int max, int previous) {
        return value >= 1 && value <= max ? value : previous;
    }

    /** Protobuf merges a repeated embedded message field into the earlier one: hence {@code previous}. */
    private static TrainerSpec parseTrainer(ProtoReader reader, TrainerSpec previous) throws ModelFormatException {
        int modelType = previous.modelType();
        boolean byteFallback = previous.byteFallback();
        boolean suffix = previous.treatWhitespaceAsSuffix();
        while (reader.next()) {
            switch (reader.fieldNumber()) {
                case 3 -> modelType = knownEnum(reader.readInt32("model_type"), CHAR, modelType);
                case 24 -> suffix = reader.readBool("treat_whitespace_as_suffix");
                case 35 -> byteFallback = reader.readBool("byte_fallback");
                default -> reader.skip();
            }
        }
        return new TrainerSpec(modelType, byteFallback, suffix);
    }

    private static NormalizerSpec parseNormalizer(ProtoReader reader, NormalizerSpec previous)
            throws ModelFormatException {
        String name = previous.name();
        byte[] charsmap = previous.precompiledCharsmap();
        boolean dummyPrefix = previous.addDummyPrefix();
        boolean removeExtra = previous.removeExtraWhitespaces();
        boolean escape = previous.escapeWhitespaces();
        while (reader.next()) {
            switch (reader.fieldNumber()) {
                case 1 -> name = new String(reader.readBytes("name"), java.nio.charset.StandardCharsets.UTF_8);
                case 2 -> charsmap = reader.readBytes("precompiled_charsmap");
                case 3 -> dummyPrefix = reader.readBool("add_dummy_prefix");
                case 4 -> removeExtra = reader.readBool("remove_extra_whitespaces");
                case 5 -> escape = reader.readBool("escape_whitespaces");
                default -> reader.skip();
            }
        }
        return new NormalizerSpec(name, charsmap, dummyPrefix, removeExtra, escape);
    }
}
