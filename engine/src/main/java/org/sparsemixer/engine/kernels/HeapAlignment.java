package org.sparsemixer.engine.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Where a 64-byte boundary (a cache line, and one 512-bit vector) falls in a {@code float[]} on the heap.
 * <p>
 * The micro-kernels load B's panels one vector at a time. A 512-bit load that is not 64-byte aligned spans
 * two cache lines, and the dense kernel ran 18-25 % slower on such panels (147 against 175 GFLOP/s on one
 * core, panels in L2; Base's feed-forward at batch 8 took 12 % longer in whole calls, bench/README.md). Java
 * gives no address of an array, and a collector may move one; but with {@code -XX:ObjectAlignmentInBytes=64}
 * (which the launcher sets) every object starts on a 64-byte boundary, wherever the collector puts it, so the
 * element at a fixed index of every float array is aligned. Without that option the index is 0 and where an
 * array's lines begin is left to chance, as before.
 */
public final class HeapAlignment {
    static final int LINE_BYTES = 64;
    /** Index of the first 64-byte aligned element of every float[] of this JVM, or 0 when there is none. */
    public static final int FLOAT_ARRAY_LINE_START = floatArrayLineStart();

    private HeapAlignment() {
    }

    /** For reports: where the weight panels begin, and how to put them on cache lines when they are not. */
    public static String describe() {
        return FLOAT_ARRAY_LINE_START > 0 ? "weight panels on cache lines"
                : "weight panels at chance alignment (-XX:ObjectAlignmentInBytes=64 puts them on cache lines)";
    }

    private static int floatArrayLineStart() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (vm == null || Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue()) % LINE_BYTES != 0) {
                return 0;
            }
            return (LINE_BYTES - floatArrayBaseOffset(vm) % LINE_BYTES) % LINE_BYTES / Float.BYTES;
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or a runtime image without jdk.management: no known alignment
            return 0;
        }
    }

    /**
     * Bytes from the start of a float[] to its element 0 in HotSpot: the header (a mark word and a class
     * pointer, or one word with compact headers) and the 4-byte length. (JDK 25: 16, 12 with
     * {@code -XX:+UseCompactObjectHeaders}, 20 without compressed class pointers; {@code HeapAlignmentTest}
     * checks the running JVM's against {@code Unsafe.arrayBaseOffset}.)
     */
    static int floatArrayBaseOffset(HotSpotDiagnosticMXBean vm) {
        if (flag(vm, "UseCompactObjectHeaders")) {
            return 12;
        }
        return flag(vm, "UseCompressedClassPointers") ? 16 : 20;
    }

    private static boolean flag(HotSpotDiagnosticMXBean vm, String name) {
        try {
            return Boolean.parseBoolean(vm.getVMOption(name).getValue());
        } catch (IllegalArgumentException absent) {
            return false;
        }
    }
}
