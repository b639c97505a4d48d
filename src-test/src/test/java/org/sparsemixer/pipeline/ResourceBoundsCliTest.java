package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.MixingMechanism;
import org.sparsemixer.engine.SparseMixerConfig;

/**
 * The resource-bound promise through the command line: a model directory whose config is consistent
 * with its (small) weights but implies huge tables, and a batch too large for the model, fail within
 * seconds with exit code 2 and one error line naming the key or the batch, instead of overflowing an
 * int or running out of memory.
 */
class ResourceBoundsCliTest {
    private static final Duration QUICK = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private static SparseMixerConfig tiny(int hidden, int layers, List<Integer> attention, MixingMechanism mixing,
                                          boolean fft, int seq) {
        return new SparseMixerConfig(5, hidden, layers, List.of(), attention, 1, 1.0, 1.0, 1.0, mixing, fft, 1, seq, 1,
                2, SparseMixerConfig.GELU_APPROXIMATE, null, hidden, false, false);
    }

    @Test
    void fourierWithoutFftAtSequenceLength50000() throws Exception {
        // 200 kB of weights, but 50000 x 50000 DFT matrices
        Path model = TestModels.writeModel(tmp.resolve("dft"), tiny(1, 1, List.of(), MixingMechanism.FOURIER, false, 50_000), 1);
        assertTimeoutPreemptively(QUICK, () -> Cli.assertBadInput(Cli.run("run", "--model", model.toString()),
                "max_sequence_length", "50000", "use_fft"));
    }

    @Test
    void attentionAtSequenceLength50000() throws Exception {
        Path model = TestModels.writeModel(tmp.resolve("att"), tiny(1, 1, List.of(0), MixingMechanism.LINEAR, false, 50_000), 1);
        assertTimeoutPreemptively(QUICK, () -> Cli.assertBadInput(Cli.run("run", "--model", model.toString()),
                "max_sequence_length", "attention"));
    }

    @Test
    void hugeGeneratedBatch() {
        String model = Fixtures.model("p01_linear_postnorm_base").toString();
        assertTimeoutPreemptively(QUICK, () -> {
            Cli.assertBadInput(Cli.run("run", "--model", model, "--batch", "2000000000"), "--batch", "2000000000");
            Cli.assertBadInput(Cli.run("bench", "--model", model, "--batch", "2000000000", "--iterations", "1"),
                    "--batch", "2000000000");
        });
    }

    @Test
    void inputFileWhoseBatchCannotFit() throws Exception {
        // H = 1024, 8 layers, S = 4: encoder_outputs of 65537 sequences need more floats than a Java array
        // holds, while the inputs file is 3 MB
        SparseMixerConfig c = tiny(1024, 8, List.of(), MixingMechanism.FOURIER, true, 4);
        Path model = TestModels.writeModel(tmp.resolve("wide"), c, 1);
        int batch = 65_537;
        int[] zeros = new int[batch * 4];
        Map<String, Safetensors.Tensor> in = new LinkedHashMap<>();
        for (String name : new String[] {EncoderInput.INPUT_WORD_IDS, EncoderInput.INPUT_MASK, EncoderInput.INPUT_TYPE_IDS}) {
            in.put(name, Safetensors.Tensor.i32(new int[] {batch, 4}, zeros));
        }
        Path inputs = tmp.resolve("many.safetensors");
        Safetensors.write(inputs, in);
        assertTimeoutPreemptively(QUICK, () -> Cli.assertBadInput(Cli.run("run", "--model", model.toString(),
                "--inputs", inputs.toString()), "batch", "65537"));
    }
}
