package org.sparsemixer.tokenizer;

/**
 * A tokenizer file or configuration that cannot be used: not UTF-8, not a vocabulary or model, missing a
 * required entry such as {@code [UNK]}, {@code [CLS]} or {@code [SEP]}, or a bad tokenizer config key. The
 * message names the file or key and the rule.
 */
public class InvalidTokenizerException extends IllegalArgumentException {
    public InvalidTokenizerException(String message) {
        super(message);
    }

    public InvalidTokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
