package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.sparsemixer.engine.EncoderOutput;

/** The golden fixtures copied from ../shared/fixtures into the test resources (see fixtures/README.md). */
final class Fixtures {
    static final List<String> CASES = List.of(
            "p01_linear_postnorm_base",
            "p02_fourier_dft",
            "p03_hartley_fft",
            "p04_normfirst_factorized",
            "p05_fast_epg2",
            "p06_sharp_attention",
            "p07_bert_like_dense");

    private Fixtures() {
    }

    static Path root() {
        URL url = Fixtures.class.getResource("/fixtures/index.json");
        if (url == null) {
            throw new IllegalStateException("fixtures/index.json is not on the test class path");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path caseDir(String name) {
        return root().resolve(name);
    }

    static Path model(String name) {
        return caseDir(name).resolve("model");
    }

    static Path cases(String name) {
        return caseDir(name).resolve("cases.safetensors");
    }

    static Stream<String> names() {
        return CASES.stream();
    }

    /** Every case folder present is listed in CASES (so a newly copied fixture is not silently skipped). */
    static List<String> presentCases() {
        try (Stream<Path> dirs = Files.list(root())) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The expected outputs of a case, read with the tests' own safetensors reader. */
    static Map<String, Safetensors.Tensor> expected(String name) throws IOException {
        return Safetensors.read(cases(name));
    }

    /** Compares all three outputs of {@code got} with the expected tensors, shapes included. */
    static void assertMatches(String label, Map<String, Safetensors.Tensor> want, EncoderOutput got) {
        Safetensors.Tensor seq = want.get(EncoderOutput.SEQUENCE_OUTPUT);
        Safetensors.Tensor pooled = want.get(EncoderOutput.POOLED_OUTPUT);
        Safetensors.Tensor layers = want.get(EncoderOutput.ENCODER_OUTPUTS);
        assertEquals(seq.shape()[0], got.batchSize(), label + ": batch size");
        assertEquals(seq.shape()[1], got.sequenceLength(), label + ": sequence length");
        assertEquals(seq.shape()[2], got.hiddenSize(), label + ": hidden size");
        assertEquals(layers.shape()[0], got.numLayers(), label + ": number of layers");
        Tolerance.assertClose(label + " " + EncoderOutput.SEQUENCE_OUTPUT, seq.shape(), seq.floats(), got.sequenceOutput());
        Tolerance.assertClose(label + " " + EncoderOutput.POOLED_OUTPUT, pooled.shape(), pooled.floats(), got.pooledOutput());
        Tolerance.assertClose(label + " " + EncoderOutput.ENCODER_OUTPUTS, layers.shape(), layers.floats(), got.encoderOutputs());
    }

    /** Compares the three output tensors of a file written by the command line with the expected tensors. */
    static void assertFileMatches(String label, Map<String, Safetensors.Tensor> want, Map<String, Safetensors.Tensor> got) {
        for (String name : List.of(EncoderOutput.SEQUENCE_OUTPUT, EncoderOutput.POOLED_OUTPUT, EncoderOutput.ENCODER_OUTPUTS)) {
            Safetensors.Tensor w = want.get(name);
            Safetensors.Tensor g = got.get(name);
            assertTrue(g != null, label + ": output file has no tensor " + name + " (has " + got.keySet() + ")");
            assertEquals("F32", g.dtype(), label + ": dtype of " + name);
            assertEquals(List.of(boxed(w.shape())), List.of(boxed(g.shape())), label + ": shape of " + name);
            Tolerance.assertClose(label + " " + name, w.shape(), w.floats(), g.floats());
        }
    }

    private static Integer[] boxed(int[] a) {
        Integer[] out = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
