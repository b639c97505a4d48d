package org.sparsemixer.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.sparsemixer.tokenizer.sentencepiece.ModelFormatException;
import org.sparsemixer.tokenizer.sentencepiece.SentencePieceProcessor;

/**
 * A SentencePiece model ({@code .model} protobuf): unigram or BPE, with the model's own normalizer, giving the
 * ids and pieces {@code SentencePieceProcessor.encode(text)} of sentencepiece 0.2 gives (no BOS/EOS, no
 * sampling). An unknown token's piece is the normalized text it covers; with byte fallback, unknown characters
 * come out as {@code <0xXX>} pieces. Immutable and thread-safe.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    /** Larger files are refused before reading: real models are a few MB. */
    static final long MAX_MODEL_BYTES = 1L << 30;

    private final SentencePieceProcessor processor;

    private SentencePieceTokenizer(SentencePieceProcessor processor) {
        this.processor = processor;
    }

    /**
     * Reads a {@code .model} file.
     *
     * @throws ModelFormatException if the file is not a usable SentencePiece model (the message names the field)
     * @throws IOException          if it cannot be read
     */
    public static SentencePieceTokenizer load(Path modelFile) throws IOException {
        long size = Files.size(modelFile);
        if (size > MAX_MODEL_BYTES) {
            throw new ModelFormatException(modelFile + ": " + size + " bytes is too large for a SentencePiece model");
        }
        return fromBytes(Files.readAllBytes(modelFile));
    }

    /**
     * Parses a serialized {@code .model}.
     *
     * @throws ModelFormatException if it is not a usable SentencePiece model (the message names the field)
     */
    public static SentencePieceTokenizer fromBytes(byte[] model) throws ModelFormatException {
        return new SentencePieceTokenizer(SentencePieceProcessor.fromBytes(model));
    }

    /**
     * The pieces of {@code text}. A lone surrogate, which has no UTF-8 form, is taken as one malformed byte: it
     * becomes U+FFFD and is not normalized (the Python library refuses such strings).
     */
    @Override
    public Tokens encode(String text) {
        return processor.encode(text);
    }

    /**
     * The pieces of raw bytes, as the library encodes a {@code bytes} input: every byte that does not begin a
     * well-formed UTF-8 character becomes U+FFFD, which is not normalized again.
     */
    public Tokens encode(byte[] utf8) {
        return processor.encode(utf8, utf8.length);
    }

    @Override
    public int vocabSize() {
        return processor.vocabSize();
    }

    @Override
    public int pieceToId(String piece) {
        return processor.pieceToId(piece);
    }

    /** @throws IllegalArgumentException if {@code id} is outside {@code [0, vocabSize())} */
    @Override
    public String idToPiece(int id) {
        return processor.idToPiece(id);
    }
}
