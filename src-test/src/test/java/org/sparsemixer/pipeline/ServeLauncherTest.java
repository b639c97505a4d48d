package org.sparsemixer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./sparse-mixer serve} through the real launcher and shaded jar (Helidon's service files must
 * survive shading): ready, one inference over loopback, SIGTERM, exit 0.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ServeLauncherTest {
    @Test
    void theShadedJarServesAndDrainsOnSigterm() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("sparse-mixer");
        assumeTrue(Files.isExecutable(launcher), "no executable launcher at " + launcher);
        Path err = Files.createTempFile("serve-launcher", ".err");
        Process p = new ProcessBuilder(launcher.toString(), "serve", "--model",
                Fixtures.model("p01_linear_postnorm_base").toString(), "--name", "p01", "--port", "0", "--warmup", "1")
                .redirectError(err.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            // The launcher may build the jar first.
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (Exception e) {
                    return null;
                }
            }).get(10, TimeUnit.MINUTES);
            assertTrue(line != null && line.matches("listening on http://127\\.0\\.0\\.1:\\d+"), line + "\n" + Files.readString(err));
            String url = line.substring("listening on ".length());
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(url + "/v2/health/ready"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode());
            String ids = "[" + "1,".repeat(15) + "1]";
            String body = "{\"inputs\":[{\"name\":\"input_word_ids\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":" + ids + "},"
                    + "{\"name\":\"input_mask\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":" + ids + "},"
                    + "{\"name\":\"input_type_ids\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":" + ids.replace('1', '0') + "}],"
                    + "\"outputs\":[{\"name\":\"pooled_output\"}]}";
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/v2/models/p01/infer"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"shape\":[1,32]"), r.body());
            p.destroy(); // SIGTERM to the JVM (the launcher execs it)
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve did not exit after SIGTERM");
            assertEquals(0, p.exitValue(), Files.readString(err));
            String stderr = Files.readString(err);
            assertTrue(stderr.contains("ready in") && stderr.contains("drained"), stderr);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }
}
