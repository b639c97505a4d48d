package org.sparsemixer.spark;

/**
 * A row the encoder cannot take (a missing or null column, a wrong length, an id outside the vocabulary,
 * a mask value other than 0/1). The message names the row (partition and position in it) and the reason.
 */
public final class BadRowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public BadRowException(String message) {
        super(message);
    }
}
