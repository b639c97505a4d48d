package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float vector species every kernel uses, chosen once per JVM.
 * <p>
 * The system property {@code sparsemixer.vector.bits} ({@code 128}, {@code 256} or {@code 512}) forces a
 * width, so the 256-bit code paths that AVX2-only machines take can be tested on AVX-512 hardware; the
 * default is the platform's preferred species. The fields are {@code static final}, so the JIT treats the
 * species as a constant in every kernel.
 */
public final class VectorShapes {
    /** Name of the system property that forces the vector width in bits. */
    public static final String PROPERTY = "sparsemixer.vector.bits";

    /** The float species of all kernels. */
    public static final VectorSpecies<Float> F = select(System.getProperty(PROPERTY));

    /** Lanes per float vector. */
    public static final int LANES = F.length();

    /**
     * Row sums (layer-norm statistics, softmax denominators) accumulate in {@code SUM_WIDTH} = 16 partial sums
     * (element j of a block of 16 goes to partial sum j), added in ascending order at the end, whatever the
     * vector width: one 512-bit vector, two 256-bit or four 128-bit ones hold the same 16 partial sums. So a
     * result does not depend on the machine's vector width (for widths up to 512 bits).
     */
    public static final int SUM_WIDTH = Math.max(16, LANES);

    /** Vectors that hold the {@link #SUM_WIDTH} partial sums: 1, 2 or 4. */
    static final int SUM_VECTORS = SUM_WIDTH / LANES;

    /**
     * Widest GEMM register tile in vectors: 6 x 4 accumulators need 24 + 5 registers (AVX-512 and NEON
     * have 32); 256-bit AVX2 has 16, so it gets 6 x 2.
     */
    public static final int MAX_PANEL_VECTORS = F.vectorBitSize() == 256 ? 2 : (F.vectorBitSize() >= 512 ? 4 : 2);

    private VectorShapes() {
    }

    static VectorSpecies<Float> select(String bits) {
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(PROPERTY + " must be 128, 256 or 512, got '" + bits + "'");
        };
    }

    /** A one-line description for logs and benchmarks, e.g. {@code "512-bit (16 float lanes), tile 6x64"}. */
    public static String describe() {
        return F.vectorBitSize() + "-bit (" + LANES + " float lanes), widest tile 6x" + (MAX_PANEL_VECTORS * LANES);
    }
}
