package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The determinism promise of the README ("Guarantees"): {@code run --threads N} writes byte-identical
 * output files for N = 1, 2 and 3 on every golden fixture.
 */
class DeterminismCliTest {
    @TempDir
    Path tmp;

    static List<String> cases() {
        return Fixtures.CASES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void outputFilesAreByteIdenticalForAnyThreadCount(String name) throws Exception {
        byte[] reference = null;
        for (int threads : new int[] {1, 2, 3}) {
            Path out = tmp.resolve(name + "-t" + threads + ".safetensors");
            Cli.Result r = Cli.run("run", "--model", Fixtures.model(name).toString(),
                    "--inputs", Fixtures.cases(name).toString(), "--output", out.toString(),
                    "--threads", Integer.toString(threads));
            Cli.assertOk(r);
            byte[] bytes = Files.readAllBytes(out);
            if (reference == null) {
                reference = bytes;
            } else if (!Arrays.equals(reference, bytes)) {
                assertEquals(reference.length, bytes.length, name + ": file length with --threads " + threads);
                int at = Arrays.mismatch(reference, bytes);
                fail(name + ": --threads " + threads + " output differs from --threads 1 at byte " + at
                        + " of " + bytes.length);
            }
        }
    }
}
