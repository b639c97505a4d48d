package org.sparsemixer.engine;

/**
 * A model (config or weights) that cannot be loaded: bad file, bad value, missing or misshapen tensor.
 * It is an {@link IllegalArgumentException} because the model is an argument the caller supplied;
 * the command line maps it to exit code 2.
 */
public class InvalidModelException extends IllegalArgumentException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
