package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sparsemixer.engine.kernels.VectorShapes;

/** {@code bench} on a small model: the report and its closing line; usage errors. */
class BenchCommandTest {
    private static final Pattern LAST_LINE = Pattern.compile(
            "bench (\\S+) b=(\\d+) t=(\\d+) c=(\\d+) p50_ms=([0-9.]+) seq_per_s=([0-9.]+) gflops=([0-9.]+)");

    @Test
    void reportsPercentilesStagesAndAClosingLine() {
        String model = Fixtures.model("p05_fast_epg2").toString();
        Cli.Result r = Cli.run("bench", "--model", model, "--threads", "2", "--iterations", "4", "--warmup", "1");
        Cli.assertOk(r);
        List<String> lines = r.out().lines().toList();
        Matcher m = LAST_LINE.matcher(lines.getLast());
        assertTrue(m.matches(), () -> "last line: " + lines.getLast());
        assertEquals(model, m.group(1));
        // examples_per_group 2.0: the smallest legal batch is 2
        assertEquals("2", m.group(2));
        assertEquals("2", m.group(3));
        assertEquals("1", m.group(4));
        double p50 = Double.parseDouble(m.group(5));
        double seqPerSecond = Double.parseDouble(m.group(6));
        assertTrue(p50 > 0, r::toString);
        assertEquals(2 / (p50 / 1e3), seqPerSecond, seqPerSecond * 0.01 + 0.01, r::toString);
        for (String expected : new String[] {"p50", "p90", "p99", "sequences/s", "tokens/s", "GFLOP/s",
                "mixing", "attention", "feed_forward", "moe_routing", "experts", "embeddings"}) {
            assertTrue(r.out().contains(expected), () -> expected + " missing:\n" + r);
        }
        // this JVM runs with the default object alignment (src-test's surefire options), unlike the launcher
        assertTrue(r.out().contains("kernels:     " + VectorShapes.F.vectorBitSize() + "-bit"), r::toString);
        assertTrue(r.out().contains("weight panels at chance alignment (-XX:ObjectAlignmentInBytes=64"), r::toString);
    }

    @Test
    void concurrentCallersShareOneEncoder() {
        String model = Fixtures.model("p05_fast_epg2").toString();
        Cli.Result r = Cli.run("bench", "--model", model, "--threads", "2", "--iterations", "5", "--warmup", "1",
                "--concurrency", "3");
        Cli.assertOk(r);
        List<String> lines = r.out().lines().toList();
        Matcher m = LAST_LINE.matcher(lines.getLast());
        assertTrue(m.matches(), () -> "last line: " + lines.getLast());
        assertEquals("2", m.group(2));
        assertEquals("2", m.group(3));
        assertEquals("3", m.group(4));
        double p50 = Double.parseDouble(m.group(5));
        double seqPerSecond = Double.parseDouble(m.group(6));
        assertTrue(p50 > 0 && seqPerSecond > 0, r::toString);
        // 15 calls of 2 sequences by 3 callers: overall throughput, not one caller's
        assertTrue(r.out().contains("sequences/s overall"), r::toString);
        assertTrue(r.out().contains("3 callers, 15 calls"), r::toString);
        assertTrue(r.out().contains("p99"), r::toString);
    }

    private static final Pattern TIMELINE = Pattern.compile("cold-start (\\S+) b=(\\d+) t=(\\d+) warmup=(\\d+)"
            + " loaded_ms=(\\d+) warmup_ms=(\\d+) first_result_ms=(\\d+) first_call_ms=([0-9.]+)"
            + " steady_p50_ms=([0-9.]+) calls_to_steady=(\\d+)");

    @Test
    void timelineReportsTheColdStartOfTheProcessAndKeepsTheClosingLineLast() {
        String model = Fixtures.model("p01_linear_postnorm_base").toString();
        Cli.Result r = Cli.run("bench", "--model", model, "--threads", "2", "--iterations", "6", "--warmup", "2",
                "--timeline");
        Cli.assertOk(r);
        List<String> lines = r.out().lines().toList();
        assertTrue(LAST_LINE.matcher(lines.getLast()).matches(), () -> "last line: " + lines.getLast());
        Matcher m = lines.stream().map(TIMELINE::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no cold-start line:\n" + r));
        assertEquals(model, m.group(1));
        assertEquals("2", m.group(4));
        long loaded = Long.parseLong(m.group(5));
        long warmupMs = Long.parseLong(m.group(6));
        long firstResult = Long.parseLong(m.group(7));
        double firstCall = Double.parseDouble(m.group(8));
        int callsToSteady = Integer.parseInt(m.group(10));
        // The process (this test's JVM here) started before the encoder was loaded; the first result came after
        // the load, the warm-up and the first call (rounded to whole milliseconds).
        assertTrue(loaded > 0, r::toString);
        assertTrue(firstResult + 2 >= loaded + warmupMs + firstCall, r::toString);
        assertTrue(callsToSteady >= 1 && callsToSteady <= 6, r::toString);
        String calls = lines.stream().filter(l -> l.startsWith("calls (ms, in order): ")).findFirst()
                .orElseThrow(() -> new AssertionError("no call list:\n" + r));
        assertEquals(6, calls.substring(calls.indexOf(':') + 1).split(",").length, calls);
        assertTrue(r.out().contains("allocated:"), r::toString);
    }

    @Test
    void reportsHeapAllocatedPerTimedCallAgainstTheOutputs() {
        // p01: batch 1, 16 tokens, hidden 32, 6 layers: outputs (sequence, pooled, 6 layers) = (16*32*7 + 32) floats
        Cli.Result r = Cli.run("bench", "--model", Fixtures.model("p01_linear_postnorm_base").toString(),
                "--threads", "1", "--iterations", "3", "--warmup", "1");
        Cli.assertOk(r);
        Matcher m = Pattern.compile("allocated: +([0-9.]+) MB per call \\(mean of the 3 timed calls\\), of which outputs"
                + " ([0-9.]+) MB").matcher(r.out());
        assertTrue(m.find(), r::toString);
        assertEquals((16 * 32 * 7 + 32) * 4 / 1e6, Double.parseDouble(m.group(2)), 0.006, r::toString);
        assertTrue(Double.parseDouble(m.group(1)) > 0, r::toString);
    }

    @Test
    void concurrencyMustBePositive() {
        Cli.assertBadInput(Cli.run("bench", "--config", "base", "--concurrency", "0"), "--concurrency");
    }

    @Test
    void modelAndPresetAreExclusive() {
        Cli.assertBadInput(Cli.run("bench", "--model", Fixtures.model("p01_linear_postnorm_base").toString(),
                "--config", "base"));
    }

    @Test
    void unknownPresetIsNamed() {
        Cli.assertBadInput(Cli.run("bench", "--config", "huge"), "huge");
    }

    @Test
    void iterationsMustBePositive() {
        Cli.assertBadInput(Cli.run("bench", "--config", "base", "--iterations", "0"), "--iterations");
    }

    @Test
    void gemmEndsWithItsSummaryLine() {
        Cli.Result r = Cli.run("bench", "gemm", "--m", "17", "--k", "33", "--n", "65", "--threads", "2");
        Cli.assertOk(r);
        String last = r.out().lines().toList().getLast();
        Matcher m = Pattern.compile("gemm 17x33x65 threads=2 gflops=([0-9.]+)").matcher(last);
        assertTrue(m.matches(), () -> "last line: " + last);
        assertTrue(Double.parseDouble(m.group(1)) > 0, last);
    }

    @Test
    void gemmNeedsPositiveSizes() {
        Cli.assertBadInput(Cli.run("bench", "gemm", "--m", "0", "--k", "8", "--n", "8"), "--m");
        Cli.assertBadInput(Cli.run("bench", "gemm", "--m", "8", "--k", "8"), "--n");
    }
}
