package org.sparsemixer.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a tokenizer file of either kind, telling the kind from the file's content. */
public final class Tokenizers {
    /** Bytes examined to tell the kind. */
    private static final int PROBE_BYTES = 64 * 1024;

    private Tokenizers() {
    }

    /** The kinds of tokenizer file. */
    public enum Kind {
        /** A SentencePiece model protobuf ({@code .model}). */
        SENTENCEPIECE,
        /** A BERT WordPiece vocabulary ({@code vocab.txt}): UTF-8 text, one entry per line. */
        WORDPIECE;

        /** {@code sentencepiece} or {@code wordpiece}. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Opens {@code file}: a WordPiece vocabulary (lower-cased and accent-stripped when {@code lowerCase}) or a
     * SentencePiece model (its own normalization; {@code lowerCase} must be false).
     *
     * @throws IOException the file cannot be read
     * @throws InvalidTokenizerException the file is neither kind, is invalid, or lower-casing was asked of a
     *     SentencePiece model
     */
    public static Tokenizer open(Path file, boolean lowerCase) throws IOException {
        Kind kind = detect(file);
        return switch (kind) {
            case WORDPIECE -> WordPieceTokenizer.load(file, lowerCase);
            case SENTENCEPIECE -> {
                if (lowerCase) {
                    throw new InvalidTokenizerException(file + " is a SentencePiece model, which normalizes text"
                            + " by its own rules: lower casing is for WordPiece vocabularies");
                }
                yield SentencePieceTokenizer.load(file);
            }
        };
    }

    /**
     * The kind of a tokenizer file from its first bytes: UTF-8 text without NUL or other control characters
     * (tab, newline, carriage return aside) is a WordPiece vocabulary; a file that starts with a protobuf
     * field 1 of wire type 2 (byte 0x0A, SentencePiece's first repeated {@code pieces}) is a SentencePiece model.
     *
     * @throws InvalidTokenizerException the file is empty or neither kind
     */
    public static Kind detect(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(PROBE_BYTES);
        }
        if (head.length == 0) {
            throw new InvalidTokenizerException(file + " is empty: not a WordPiece vocabulary or SentencePiece model");
        }
        if (looksLikeText(head)) {
            return Kind.WORDPIECE;
        }
        if (head[0] == 0x0A) {
            return Kind.SENTENCEPIECE;
        }
        throw new InvalidTokenizerException(file + " is neither a WordPiece vocabulary (UTF-8 text, one entry per"
                + " line) nor a SentencePiece model (protobuf)");
    }

    private static boolean looksLikeText(byte[] head) {
        for (byte b : head) {
            if ((b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F) {
                return false;
            }
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(head);
        try {
            var chars = java.nio.CharBuffer.allocate(head.length);
            var result = decoder.decode(bytes, chars, false);
            // A sequence cut by the probe's end is left in the buffer (underflow), not an error.
            if (result.isError()) {
                return false;
            }
        } catch (IllegalStateException e) {
            return false;
        }
        return true;
    }
}
