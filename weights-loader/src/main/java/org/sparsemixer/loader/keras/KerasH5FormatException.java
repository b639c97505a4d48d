package org.sparsemixer.loader.keras;

import org.sparsemixer.engine.InvalidModelException;

/**
 * A Keras {@code .h5} weights file that cannot be read or does not follow the tf-keras layout: not HDF5,
 * truncated, a missing or malformed attribute, a dataset of the wrong type or shape. The message names the
 * file and the attribute, group or dataset at fault.
 */
public class KerasH5FormatException extends InvalidModelException {
    public KerasH5FormatException(String message) {
        super(message);
    }

    public KerasH5FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
