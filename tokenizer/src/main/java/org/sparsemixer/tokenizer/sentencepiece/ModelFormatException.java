package org.sparsemixer.tokenizer.sentencepiece;

import java.io.IOException;

/**
 * A SentencePiece {@code .model} file that cannot be used: broken protobuf wire format (truncated, impossible
 * lengths, wrong wire types), or contents the library itself rejects (no unknown piece, duplicate pieces, a
 * corrupt precompiled_charsmap, ...). The message names the field.
 */
public final class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }
}
