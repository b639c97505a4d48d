package org.sparsemixer.loader.tf;

import org.sparsemixer.engine.InvalidModelException;

/**
 * A TensorFlow checkpoint (TensorBundle index, data shard or object graph) that breaks its format or a
 * limit of this reader. The message names the file and, where there is one, the key or tensor; on the
 * command line it is exit code 2 like every other invalid model file.
 */
public final class TfFormatException extends InvalidModelException {
    public TfFormatException(String message) {
        super(message);
    }

    public TfFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
