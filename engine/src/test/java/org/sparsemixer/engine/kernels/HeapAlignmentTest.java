package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * The alignment {@link HeapAlignment} infers from the JVM's options, against the JVM's own array layout
 * ({@code Unsafe.arrayBaseOffset}). The engine's tests run once with the default object alignment and once
 * with {@code -XX:ObjectAlignmentInBytes=64}, also with compact object headers (engine/pom.xml).
 */
class HeapAlignmentTest {
    private static final HotSpotDiagnosticMXBean VM = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

    @Test
    void elementZeroOffsetIsTheJvmsOwn() throws ReflectiveOperationException {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        @SuppressWarnings("removal")
        int jvm = ((sun.misc.Unsafe) f.get(null)).arrayBaseOffset(float[].class);
        assertEquals(jvm, HeapAlignment.floatArrayBaseOffset(VM));
    }

    @Test
    void lineStartIsAlignedExactlyWhenObjectsAre64ByteAligned() {
        int objectAlignment = Integer.parseInt(VM.getVMOption("ObjectAlignmentInBytes").getValue());
        int start = HeapAlignment.FLOAT_ARRAY_LINE_START;
        if (objectAlignment % 64 == 0) {
            assertEquals(0, (HeapAlignment.floatArrayBaseOffset(VM) + Float.BYTES * start) % 64);
            assertTrue(start < 16, "the first aligned element, not a later one");
        } else {
            assertEquals(0, start);
        }
        assertEquals(start, PackedMatrix.BASE);
    }
}
