package org.sparsemixer.loader.npz;

import org.sparsemixer.engine.InvalidModelException;

/** A NumPy archive or one of its {@code .npy} entries that cannot be read; the message names both. */
public class NpyFormatException extends InvalidModelException {
    private final String entry;

    public NpyFormatException(String entry, String message) {
        super(message);
        this.entry = entry;
    }

    /** The archive entry at fault, or null for a problem with the archive as a whole. */
    public String entry() {
        return entry;
    }
}
