package org.sparsemixer.engine;

/**
 * How an encoder runs (not what it computes: results are identical for every option value).
 *
 * @param threads compute threads shared by all calls of one encoder (>= 1)
 */
public record EncoderOptions(int threads) {
    public EncoderOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    /** One thread per available processor. */
    public static EncoderOptions defaults() {
        return new EncoderOptions(Runtime.getRuntime().availableProcessors());
    }

    public static EncoderOptions threads(int threads) {
        return new EncoderOptions(threads);
    }
}
