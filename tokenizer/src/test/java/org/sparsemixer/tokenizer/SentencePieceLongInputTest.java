package org.sparsemixer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inputs of about 1 MB, of the shapes that would expose quadratic work (one endless word, an endless run of
 * unknown characters, only spaces, only malformed bytes, ...), finish in bounded, roughly linear time: 8x the
 * input may cost at most 24x the time (quadratic work would cost 64x).
 */
class SentencePieceLongInputTest {
    private static final int MB = 1 << 20;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("prose", (IntFunction<byte[]>) n -> repeat("The quick brown fox — ｶﾞｷﾞ 123 ① naïve café. ", n)),
                Arguments.of("one long word", (IntFunction<byte[]>) n -> repeat("a", n)),
                Arguments.of("random letters, no spaces", (IntFunction<byte[]>) n -> randomLetters(n)),
                Arguments.of("unknown characters", (IntFunction<byte[]>) n -> repeat("\uE000\u0E01\u16A0", n)),
                Arguments.of("spaces", (IntFunction<byte[]>) n -> repeat(" \u00a0\u3000\t", n)),
                Arguments.of("escaped spaces", (IntFunction<byte[]>) n -> repeat("\u2581", n)),
                Arguments.of("malformed bytes", (IntFunction<byte[]>) n -> {
                    byte[] b = new byte[n];
                    java.util.Arrays.fill(b, (byte) 0xFF);
                    return b;
                }));
    }

    private static byte[] repeat(String unit, int bytes) {
        byte[] u = unit.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(unit.repeat(bytes / u.length + 1).getBytes(StandardCharsets.UTF_8),
                bytes / u.length * u.length);
    }

    private static byte[] randomLetters(int n) {
        Random r = new Random(7);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + r.nextInt(26));
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void aMegabyteTakesLinearTime(String shape, IntFunction<byte[]> input) throws IOException {
        for (String name : new String[] {"sp_unigram_nfkc", "sp_bpe_bytefallback"}) {
            SentencePieceTokenizer t = SentencePieceFixtureTest.model(name);
            byte[] small = input.apply(MB / 8);
            byte[] large = input.apply(MB);
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                t.encode(small);  // warm-up
                long t0 = System.nanoTime();
                Tokens s = t.encode(small);
                long t1 = System.nanoTime();
                Tokens l = t.encode(large);
                long t2 = System.nanoTime();
                SentencePiecePropertiesTest.assertWellFormed(t, s);
                SentencePiecePropertiesTest.assertWellFormed(t, l);
                double smallMs = (t1 - t0) / 1e6;
                double largeMs = (t2 - t1) / 1e6;
                assertTrue(largeMs < 24 * smallMs + 300, name + " " + shape + ": 128 KB took " + smallMs
                        + " ms, 1 MB took " + largeMs + " ms");
                // also as a string
                t.encode(new String(large, StandardCharsets.UTF_8));
            }, name + " " + shape);
        }
    }
}
