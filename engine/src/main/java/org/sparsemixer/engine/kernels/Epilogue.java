package org.sparsemixer.engine.kernels;

/**
 * What {@link Gemm} does to each output element after the dot product, fused so the output is
 * written once: {@code c = act(sum + bias[n]) + residual[m, n]}.
 *
 * @param bias     per-column bias of length N, or null
 * @param gelu     apply the tanh-approximate GELU after the bias
 * @param residual added last, or null; element (m, n) at {@code residual[residualOffset + m * residualStride + n]}
 */
public record Epilogue(float[] bias, boolean gelu, float[] residual, int residualOffset, int residualStride) {
    private static final Epilogue NONE = new Epilogue(null, false, null, 0, 0);

    public static Epilogue none() {
        return NONE;
    }

    public static Epilogue bias(float[] bias) {
        return new Epilogue(bias, false, null, 0, 0);
    }

    public static Epilogue biasGelu(float[] bias) {
        return new Epilogue(bias, true, null, 0, 0);
    }

    public static Epilogue biasResidual(float[] bias, float[] residual, int residualOffset, int residualStride) {
        return new Epilogue(bias, false, residual, residualOffset, residualStride);
    }

    boolean isNone() {
        return bias == null && !gelu && residual == null;
    }
}
