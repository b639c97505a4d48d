package org.sparsemixer.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** A SentencePiece model ({@code .model} protobuf): unigram or BPE, with the model's own normalizer. */
public final class SentencePieceTokenizer {
    private SentencePieceTokenizer() {
    }

    /** Placeholder until the SentencePiece implementation lands. */
    public static Tokenizer load(Path modelFile) throws IOException {
        throw new UnsupportedOperationException("SentencePiece is not implemented yet");
    }
}
