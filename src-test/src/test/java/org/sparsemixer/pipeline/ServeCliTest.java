package org.sparsemixer.pipeline;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s command line: bad options, models and ports are exit 2 with one error line, before serving. */
@Timeout(120)
class ServeCliTest {
    @Test
    void badOptionsAreExit2NamingTheOption() {
        Cli.assertBadInput(Cli.run("serve", "--port", "70000"), "--port");
        Cli.assertBadInput(Cli.run("serve", "--max-batch", "0"), "--max-batch");
        Cli.assertBadInput(Cli.run("serve", "--max-queue", "2", "--max-batch", "8"), "--max-queue");
        Cli.assertBadInput(Cli.run("serve", "--max-delay-ms", "-1"), "--max-delay-ms");
        Cli.assertBadInput(Cli.run("serve", "--max-body-mb", "0"), "--max-body-mb");
        Cli.assertBadInput(Cli.run("serve", "--threads", "0"), "--threads");
        Cli.assertBadInput(Cli.run("serve", "--config", "huge"), "huge");
        Cli.assertBadInput(Cli.run("serve", "--model", "/no/such/model"), "--model");
        Cli.assertBadInput(Cli.run("serve", "--model", "x", "--config", "base"), "--model", "--config");
    }

    @Test
    void aMaxBatchBelowTheModelsSmallestBatchIsExit2() {
        String model = Fixtures.model("p05_fast_epg2").toString();
        Cli.assertBadInput(Cli.run("serve", "--model", model, "--port", "0", "--max-batch", "1", "--warmup", "0"),
                "--max-batch", "examples_per_group");
    }

    @Test
    void aBrokenTokenizerInTheModelDirectoryIsExit2BeforeServing(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("text-model");
        Files.createDirectories(model);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(Fixtures.model("p01_linear_postnorm_base").resolve(f), model.resolve(f));
        }
        // A WordPiece vocabulary needs text_input.json to say its casing.
        Files.writeString(model.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
        Cli.assertBadInput(Cli.run("serve", "--model", model.toString(), "--port", "0", "--warmup", "0"),
                "vocab.txt", "text_input.json", "lower_case");
        Files.writeString(model.resolve("text_input.json"), "{\"lower_case\": true, \"truncator\": \"middle\"}");
        Cli.assertBadInput(Cli.run("serve", "--model", model.toString(), "--port", "0", "--warmup", "0"),
                "text_input.json", "truncator");
    }

    @Test
    void aPortInUseIsExit2() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String model = Fixtures.model("p01_linear_postnorm_base").toString();
            Cli.Result r = Cli.run("serve", "--model", model, "--port", Integer.toString(taken.getLocalPort()),
                    "--warmup", "0");
            Cli.assertBadInput(r);
        }
    }
}
