package org.sparsemixer.loader;

/**
 * How {@link ModelLoader} turns stored weights into an encoder.
 *
 * @param precision      every weight is rounded to this precision first ({@link WeightDType#F32}: as stored)
 * @param allowNonFinite load weights holding NaN or infinite values; by default such a model is refused
 *                       with an {@link org.sparsemixer.engine.InvalidModelException} naming the tensor and
 *                       the counts (checked after the rounding, which can itself overflow to infinity in F16)
 */
public record LoadOptions(WeightDType precision, boolean allowNonFinite) {
    public LoadOptions {
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null");
        }
    }

    /** Weights as stored; non-finite weights refused. */
    public static LoadOptions defaults() {
        return new LoadOptions(WeightDType.F32, false);
    }

    public LoadOptions withPrecision(WeightDType precision) {
        return new LoadOptions(precision, allowNonFinite);
    }

    public LoadOptions withAllowNonFinite(boolean allow) {
        return new LoadOptions(precision, allow);
    }
}
