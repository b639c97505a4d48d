package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsemixer.engine.EncoderOutput;

/** Every golden fixture through {@code sparse-mixer run --model --inputs --output}, in process. */
class GoldenCliTest {
    @TempDir
    Path tmp;

    static List<String> cases() {
        return Fixtures.CASES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void runWritesGoldenOutputs(String name) throws Exception {
        Path out = tmp.resolve(name + ".safetensors");
        Cli.Result r = Cli.run("run", "--model", Fixtures.model(name).toString(),
                "--inputs", Fixtures.cases(name).toString(), "--output", out.toString(), "--threads", "2");
        Cli.assertOk(r);
        Fixtures.assertFileMatches(name, Fixtures.expected(name), Safetensors.read(out));

        // The summary names the model and output, and shows the first pooled values of example 0.
        assertTrue(r.out().contains(Fixtures.model(name).toString()), r::toString);
        assertTrue(r.out().contains(out.toString()), r::toString);
        assertTrue(r.out().toLowerCase(Locale.ROOT).contains("sequences/s"), r::toString);
        float[] pooled = Fixtures.expected(name).get(EncoderOutput.POOLED_OUTPUT).floats();
        String pooledLine = r.out().lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("pooled")).findFirst()
                .orElseThrow(() -> new AssertionError("no pooled line in the summary:\n" + r));
        Matcher m = Pattern.compile("-?\\d+\\.\\d+(?:[eE][-+]?\\d+)?").matcher(pooledLine);
        assertTrue(m.find(), () -> "no number in " + pooledLine);
        double shown = Double.parseDouble(m.group());
        assertTrue(Math.abs(shown - pooled[0]) <= 1e-3, () -> "summary shows " + shown + " first, pooled[0][0] is " + pooled[0]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void runWithoutOutputPrintsOnlyTheSummary(String name) {
        Cli.Result r = Cli.run("run", "--model", Fixtures.model(name).toString(),
                "--inputs", Fixtures.cases(name).toString(), "--threads", "1");
        Cli.assertOk(r);
        assertTrue(r.out().contains("pooled"), r::toString);
    }
}
