package org.sparsemixer.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import org.junit.jupiter.api.Test;

/**
 * No engine method takes or returns a vector (see {@code VectorMath.exp}): C2 inlines such a method only where
 * its profile shows the call hot, and left a call it boxes every vector passed through it, which made a GELU
 * epilogue 15-30 % slower in some processes and not in others.
 */
class NoVectorSignaturesTest {
    /** Runs only in static initializers, building constants. */
    private static final Set<String> ALLOWED = Set.of("org.sparsemixer.engine.kernels.Transpose8.idx");

    @Test
    void noEngineMethodTakesOrReturnsAVector() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(VectorMath.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(classes.resolve("org/sparsemixer/engine"))) {
            names = files.map(p -> classes.relativize(p).toString())
                    .filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .sorted()
                    .toList();
        }
        assertTrue(names.contains(VectorMath.class.getName()), "found the engine's classes in " + classes);
        List<String> offending = new ArrayList<>();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, getClass().getClassLoader());
            for (Method m : type.getDeclaredMethods()) {
                String id = name + "." + m.getName();
                if (!ALLOWED.contains(id) && (isVector(m.getReturnType())
                        || Stream.of(m.getParameterTypes()).anyMatch(NoVectorSignaturesTest::isVector))) {
                    offending.add(m.toString());
                }
            }
        }
        assertEquals(List.of(), offending);
    }

    private static boolean isVector(Class<?> type) {
        return Vector.class.isAssignableFrom(type) || VectorMask.class.isAssignableFrom(type)
                || VectorShuffle.class.isAssignableFrom(type);
    }
}
