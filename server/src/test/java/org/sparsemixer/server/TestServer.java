package org.sparsemixer.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelTokenizer;

/** A server on an ephemeral loopback port over a fixture model, and an HTTP client for it. */
final class TestServer implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final SparseMixerEncoder encoder;
    final InferenceServer server;
    private final Client http;

    TestServer(String fixture, ServerOptions options) {
        this(fixture, options, UnaryOperator.identity());
    }

    TestServer(String fixture, ServerOptions options, UnaryOperator<BatchEncoder> wrap) {
        this(Fixtures.load(fixture), null, options, wrap);
    }

    /** A server over {@code encoder} (closed with the server) taking text through {@code tokenizer} (null: none). */
    TestServer(SparseMixerEncoder encoder, ModelTokenizer tokenizer, ServerOptions options, UnaryOperator<BatchEncoder> wrap) {
        this.encoder = encoder;
        server = InferenceServer.start(encoder, tokenizer, "m", options, wrap);
        http = new Client(server);
    }

    /** Loopback, ephemeral port, 2 warm-up calls (small models compile fast). */
    static ServerOptions options() {
        return ServerOptions.defaults(0).withWarmup(2);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.get(path);
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.post(path, json);
    }

    HttpResponse<byte[]> postBytes(String path, byte[] body, String... headers) throws IOException, InterruptedException {
        return http.postBytes(path, body, headers);
    }

    @Override
    public void close() {
        server.close();
        encoder.close();
        http.client.close();
    }

    /** java.net.http over HTTP/1.1 to one server, every call bounded by {@link #TIMEOUT}. */
    static final class Client {
        private final InferenceServer server;
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();

        Client(InferenceServer server) {
            this.server = server;
        }

        URI uri(String path) {
            return URI.create(server.url() + path);
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<byte[]> postBytes(String path, byte[] body, String... headers) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (headers.length > 0) {
                b.headers(headers);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
