package org.sparsemixer.loader;

/** How many NaN, +Inf and -Inf values a tensor holds (what {@code inspect} reports and loading refuses). */
public record NonFiniteCount(long nan, long positiveInfinity, long negativeInfinity) {

    public static NonFiniteCount of(float[] values) {
        long nan = 0;
        long pos = 0;
        long neg = 0;
        for (float v : values) {
            if (v != v) {
                nan++;
            } else if (v == Float.POSITIVE_INFINITY) {
                pos++;
            } else if (v == Float.NEGATIVE_INFINITY) {
                neg++;
            }
        }
        return new NonFiniteCount(nan, pos, neg);
    }

    public long total() {
        return nan + positiveInfinity + negativeInfinity;
    }
}
