package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.ConfigJson;

/** SIGTERM drains a real child process: queued and in-flight requests are all answered 200, then exit 0. */
@Timeout(120)
class DrainTest {

    @Test
    void sigtermAnswersEverythingQueuedThenExitsZero() throws Exception {
        Path model = Fixtures.model(Fixtures.LINEAR);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stderr = Files.createTempFile("serve-drain", ".err");
        Process child = new ProcessBuilder(java.toString(), "--add-modules=jdk.incubator.vector", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), SlowServeMain.class.getName(), model.toString())
                .redirectError(stderr.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (Exception e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
            assertTrue(line != null && line.startsWith("listening on http://127.0.0.1:"), line + "\n" + Files.readString(stderr));
            String url = line.substring("listening on ".length());
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            SparseMixerConfig config = ConfigJson.read(model.resolve("config.json"));
            int clients = 8;
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String body = Oip.request(EncoderInput.sample(config, 1, c), "INT32", "pooled_output").toString();
                responses.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v2/models/m/infer"))
                        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            // Each call takes 500 ms, one sequence at a time: wait until most requests are queued.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (queueDepth(client, url) < 3) {
                assertTrue(System.nanoTime() < end, "the requests never queued up");
                Thread.sleep(20);
            }
            child.destroy(); // SIGTERM
            // Readiness goes false (as soon as the signal is handled) and new work is refused while the queue drains.
            long signalled = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            HttpResponse<String> ready;
            do {
                ready = client.send(HttpRequest.newBuilder(URI.create(url + "/v2/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
            } while (ready.statusCode() == 200 && System.nanoTime() < signalled);
            assertEquals(400, ready.statusCode(), ready.body());
            String late = Oip.request(EncoderInput.sample(config, 1, 99), "INT32", "pooled_output").toString();
            HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create(url + "/v2/models/m/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(late)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode(), refused.body());
            for (CompletableFuture<HttpResponse<String>> r : responses) {
                HttpResponse<String> resp = r.get(60, TimeUnit.SECONDS);
                assertEquals(200, resp.statusCode(), resp.body());
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
            assertEquals(0, child.exitValue(), Files.readString(stderr));
            assertTrue(Files.readString(stderr).contains("drained"), Files.readString(stderr));
            // And the port is closed.
            try {
                client.send(HttpRequest.newBuilder(URI.create(url + "/v2/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString());
                throw new AssertionError("still listening after exit");
            } catch (ConnectException expected) {
                // closed
            }
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    private static double queueDepth(HttpClient client, String url) throws Exception {
        String body = client.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith("sparse_mixer_queue_depth ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no queue depth in\n" + body);
    }
}
