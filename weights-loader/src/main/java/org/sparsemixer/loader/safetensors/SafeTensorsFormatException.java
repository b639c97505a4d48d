package org.sparsemixer.loader.safetensors;

import org.sparsemixer.engine.InvalidModelException;

/** A safetensors file that is malformed or holds a tensor that cannot be read as asked. */
public class SafeTensorsFormatException extends InvalidModelException {
    public SafeTensorsFormatException(String message) {
        super(message);
    }

    public SafeTensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
