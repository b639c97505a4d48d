package org.sparsemixer.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.EncoderOutput;
import org.sparsemixer.engine.graph.SparseMixerEncoder;
import org.sparsemixer.loader.ModelTokenizer;

/**
 * The inference server: Open Inference Protocol (KServe v2) and TensorFlow Serving REST endpoints over
 * Helidon SE's web server, in front of a {@link DynamicBatcher}. Live once listening; ready once the
 * model is warmed up, until {@link #drain} starts.
 */
public final class InferenceServer implements AutoCloseable {
    static final String INFERENCE_HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final String SERVER_NAME = "sparse-mixer";
    /** How often a handler looks at its client and deadline while its request is queued. */
    private static final long WATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Helidon logs each start and stop at INFO on stderr; the server prints its own lines. */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");
    private static final Logger LISTENER_LOG = Logger.getLogger("io.helidon.webserver.LoomServer");

    private final ServedModel model;
    private final ServerOptions options;
    private final ServerMetrics metrics;
    private final DynamicBatcher batcher;
    private final WebServer web;
    private final AtomicInteger handling = new AtomicInteger();
    private final Object handlingDone = new Object();
    private volatile boolean ready;
    private volatile boolean draining;
    private long warmupNanos;
    private int[] warmupSizes = new int[0];
    private int[] warmupCalls = new int[0];

    private InferenceServer(ServedModel model, ServerOptions options, UnaryOperator<BatchEncoder> wrap) {
        this.model = model;
        this.options = options;
        this.metrics = new ServerMetrics(options.maxBatch());
        this.batcher = new DynamicBatcher(wrap.apply(model), options.maxBatch(),
                TimeUnit.MICROSECONDS.toNanos(options.maxDelayMicros()), options.maxQueue(), metrics);
        HELIDON_LOG.setLevel(Level.WARNING);
        this.web = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .shutdownHook(false) // the serve command drains on SIGTERM itself, then stops the server
                // Blocking sockets, whose idle watch notices a client that hangs up while its request is queued
                // (ClientConnection).
                .useNio(false)
                .routing(this::routes)
                .build();
    }

    /**
     * Starts listening (live, not ready), warms the model up at the batch sizes the batcher will use, and
     * becomes ready. The encoder stays the caller's to close, after {@link #close()}.
     *
     * @throws IllegalArgumentException when the options do not suit the model (e.g. --max-batch below the
     *                                  smallest batch its routing groups allow, or too large for memory)
     */
    public static InferenceServer start(SparseMixerEncoder encoder, String modelName, ServerOptions options) {
        return start(encoder, null, modelName, options, UnaryOperator.identity());
    }

    /**
     * As {@link #start(SparseMixerEncoder, String, ServerOptions)}, also taking text inputs ({@code text},
     * {@code text_pair}) tokenized by {@code tokenizer} (null: none).
     */
    public static InferenceServer start(SparseMixerEncoder encoder, ModelTokenizer tokenizer, String modelName,
                                        ServerOptions options) {
        return start(encoder, tokenizer, modelName, options, UnaryOperator.identity());
    }

    /** As {@link #start(SparseMixerEncoder, ModelTokenizer, String, ServerOptions)}, the batcher's calls going through {@code wrap}. */
    static InferenceServer start(SparseMixerEncoder encoder, ModelTokenizer tokenizer, String modelName,
                                 ServerOptions options, UnaryOperator<BatchEncoder> wrap) {
        ServedModel model = new ServedModel(modelName, encoder, tokenizer);
        if (model.smallestBatch(options.maxBatch()) < 0) {
            int smallest = model.smallestBatch(64);
            throw new IllegalArgumentException("--max-batch " + options.maxBatch() + " is below the smallest batch the"
                    + " model accepts (" + (smallest < 0 ? "more than 64" : smallest) + ": examples_per_group = "
                    + model.config.examplesPerGroup() + ", max_sequence_length = " + model.config.maxSequenceLength() + ")");
        }
        try {
            model.checkBatchSize(options.maxBatch());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-batch " + options.maxBatch() + ": " + e.getMessage(), e);
        }
        InferenceServer server = new InferenceServer(model, options, wrap);
        // Helidon logs a failed bind with a stack trace and carries on; the error below says it in one line.
        LISTENER_LOG.setLevel(Level.OFF);
        try {
            server.web.start();
        } finally {
            LISTENER_LOG.setLevel(Level.WARNING);
        }
        if (!server.web.isRunning() || server.web.port() <= 0) {
            server.close();
            throw new java.io.UncheckedIOException(new java.net.BindException("cannot listen on " + options.host() + ":"
                    + options.port() + " (address in use, or not an address of this machine)"));
        }
        try {
            server.batcher.start();
            server.warmupSizes = model.warmupBatchSizes(options.maxBatch());
            ServedModel.WarmUp warmUp = model.warmUp(options.warmupCalls(), server.warmupSizes);
            server.warmupCalls = warmUp.calls();
            server.warmupNanos = warmUp.nanos();
            server.ready = true;
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    public int port() {
        return web.port();
    }

    /** http://HOST:PORT */
    public String url() {
        return "http://" + (options.host().contains(":") ? "[" + options.host() + "]" : options.host()) + ":" + port();
    }

    public String modelName() {
        return model.name;
    }

    public boolean isReady() {
        return ready;
    }

    /** How long the warm-up calls took. */
    public long warmupNanos() {
        return warmupNanos;
    }

    public int[] warmupBatchSizes() {
        return warmupSizes.clone();
    }

    /** The warm-up calls made at each of {@link #warmupBatchSizes()}. */
    public int[] warmupCalls() {
        return warmupCalls.clone();
    }

    /**
     * Graceful shutdown: readiness goes false and new requests get 503 at once, everything queued and in
     * flight is computed and answered, then the listener stops.
     *
     * @return true when all of it finished within {@code timeoutNanos}
     */
    public boolean drain(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        ready = false;
        draining = true;
        batcher.drain();
        boolean done = batcher.awaitIdle(timeoutNanos);
        synchronized (handlingDone) {
            while (handling.get() > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    done = false;
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(handlingDone, left);
            }
        }
        web.stop();
        batcher.close();
        return done;
    }

    /** Stops at once: queued requests get 503. */
    @Override
    public void close() {
        ready = false;
        draining = true;
        batcher.close();
        if (web.isRunning()) {
            web.stop();
        }
    }

    private void routes(HttpRouting.Builder r) {
        r.get("/v2/health/live", (req, res) -> sendJson(res, 200, "{\"live\":true}"))
                .get("/v2/health/ready", (req, res) -> sendJson(res, ready ? 200 : 400, "{\"ready\":" + ready + "}"))
                .get("/v2", guarded((req, res) -> send(res, 200, ResponseBody.json(OipMetadata.server(SERVER_NAME, version())))))
                .get("/v2/models/{name}", guarded((req, res) -> modelMetadata(req, res, null)))
                .get("/v2/models/{name}/versions/{version}", guarded((req, res) -> modelMetadata(req, res, version(req))))
                .get("/v2/models/{name}/ready", guarded((req, res) -> modelReady(req, res, null)))
                .get("/v2/models/{name}/versions/{version}/ready", guarded((req, res) -> modelReady(req, res, version(req))))
                .post("/v2/models/{name}/infer", inference((req, res) -> oipInfer(req, res, null)))
                .post("/v2/models/{name}/versions/{version}/infer", inference((req, res) -> oipInfer(req, res, version(req))))
                .get("/v1/models/{name}", guarded((req, res) -> tfStatus(req, res, null)))
                .get("/v1/models/{name}/versions/{version}", guarded((req, res) -> tfStatus(req, res, version(req))))
                .post("/v1/models/{name}", inference((req, res) -> tfPredict(req, res, req.path().pathParameters().get("name"), null)))
                .post("/v1/models/{name}/versions/{version}", inference((req, res) -> tfPredict(req, res,
                        req.path().pathParameters().get("name"), req.path().pathParameters().get("version"))))
                .get("/metrics", (req, res) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    metrics.write(out);
                    res.header(HeaderNames.CONTENT_TYPE, metrics.contentType());
                    res.send(out.toByteArray());
                })
                .any(guarded((req, res) -> {
                    throw HttpError.notFound("no such endpoint: " + req.prologue().method().text() + " "
                            + req.path().path());
                }));
    }

    private void modelMetadata(ServerRequest req, ServerResponse res, String version) {
        requireModel(req, version);
        send(res, 200, ResponseBody.json(OipMetadata.model(model)));
    }

    private void modelReady(ServerRequest req, ServerResponse res, String version) {
        requireModel(req, version);
        sendJson(res, ready ? 200 : 400, "{\"name\":" + quote(model.name) + ",\"ready\":" + ready + "}");
    }

    private void tfStatus(ServerRequest req, ServerResponse res, String version) {
        String name = req.path().pathParameters().get("name");
        requireModel(name, version);
        send(res, 200, ResponseBody.json(TfServing.status(ready)));
    }

    private void oipInfer(ServerRequest req, ServerResponse res, String version) {
        requireModel(req, version);
        requireReady();
        byte[] body = readBody(req);
        long headerLength = headerLength(req);
        InferRequest request = OipRequests.parse(model.schema, body, headerLength);
        EncoderOutput out = compute(req, request);
        ResponseBody response = OipResponses.infer(model.name, ServedModel.VERSION, request, out, model.config);
        if (response.hasBinary()) {
            res.header(INFERENCE_HEADER_LENGTH, Integer.toString(response.json().length));
        }
        send(res, 200, response);
    }

    /** {@code POST /v1/models/NAME:predict} (Helidon hands the ":predict" in with the last path segment). */
    private void tfPredict(ServerRequest req, ServerResponse res, String nameSegment, String versionSegment) {
        String last = versionSegment == null ? nameSegment : versionSegment;
        if (!last.endsWith(":predict")) {
            throw HttpError.notFound("no such endpoint: POST " + req.path().path() + " (TensorFlow Serving: "
                    + "/v1/models/NAME:predict)");
        }
        String stripped = last.substring(0, last.length() - ":predict".length());
        requireModel(versionSegment == null ? stripped : nameSegment, versionSegment == null ? null : stripped);
        requireReady();
        TfServing.Request request = TfServing.parse(model.schema, readBody(req));
        EncoderOutput out = compute(req, request.request());
        send(res, 200, ResponseBody.json(TfServing.response(request, out, model.config)));
    }

    /** Validates, queues and waits for one request, watching its deadline and its client. */
    private EncoderOutput compute(ServerRequest req, InferRequest request) {
        EncoderInput input = request.input();
        if (input.batchSize() > options.maxBatch()) {
            throw HttpError.badRequest("the request has " + input.batchSize() + " sequences, more than --max-batch "
                    + options.maxBatch() + "; send at most " + options.maxBatch() + " per request");
        }
        model.validate(input);
        long now = System.nanoTime();
        // The request's own timeout, else the server's; 0 means none (as in Triton).
        long timeoutMicros = request.timeoutMicros() != null ? request.timeoutMicros()
                : TimeUnit.MILLISECONDS.toMicros(options.requestTimeoutMs());
        long deadline = timeoutMicros == 0 ? Long.MAX_VALUE : now + TimeUnit.MICROSECONDS.toNanos(timeoutMicros);
        InferenceJob job = batcher.submit(input, request.needsLayers(), deadline);
        BooleanSupplier connected = null;
        while (true) {
            try {
                return job.result.get(WATCH_NANOS, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (connected == null) {
                    connected = ClientConnection.watch(req); // only for requests that wait: it costs a thread
                }
                if (!connected.getAsBoolean() && batcher.cancel(job)) {
                    throw new ClientGone();
                }
                long t = System.nanoTime();
                if (job.expired(t) && batcher.cancel(job)) {
                    throw HttpError.timedOut("request timed out after waiting "
                            + TimeUnit.NANOSECONDS.toMillis(t - job.enqueuedNanos) + " ms in the queue (timeout "
                            + timeoutMicros / 1000 + " ms)");
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof HttpError h) {
                    throw h;
                }
                throw HttpError.internal("encoding failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batcher.cancel(job);
                throw HttpError.overloaded("the server is shutting down");
            }
        }
    }

    private void requireReady() {
        if (draining) {
            throw HttpError.overloaded("the server is shutting down");
        }
        if (!ready) {
            throw HttpError.overloaded("the model is not ready yet");
        }
    }

    private void requireModel(ServerRequest req, String version) {
        requireModel(req.path().pathParameters().get("name"), version);
    }

    private void requireModel(String name, String version) {
        if (!model.name.equals(name)) {
            throw HttpError.notFound("unknown model '" + name + "'; this server serves '" + model.name + "'");
        }
        if (version != null && !ServedModel.VERSION.equals(version)) {
            throw HttpError.notFound("model '" + name + "' has no version '" + version + "' (versions: ["
                    + ServedModel.VERSION + "])");
        }
    }

    private static String version(ServerRequest req) {
        return req.path().pathParameters().get("version");
    }

    private byte[] readBody(ServerRequest req) {
        OptionalLong declared = req.headers().contentLength();
        long limit = options.maxBodyBytes();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw HttpError.tooLarge("request body of " + declared.getAsLong() + " bytes is over the limit of " + limit
                    + " bytes (--max-body-mb)");
        }
        if (!req.content().hasEntity()) {
            throw HttpError.badRequest("the request has no body");
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (body.length > limit) {
                throw HttpError.tooLarge("request body is over the limit of " + limit + " bytes (--max-body-mb)");
            }
            return body;
        } catch (IOException | UncheckedIOException e) {
            throw HttpError.badRequest("could not read the request body: " + e.getMessage());
        } catch (RuntimeException e) {
            if (e instanceof HttpError h) {
                throw h;
            }
            // Helidon reports a body shorter than its Content-Length, or a broken chunked body, this way.
            throw HttpError.badRequest("could not read the request body: " + JsonValues.oneLine(e.getMessage()));
        }
    }

    private static long headerLength(ServerRequest req) {
        var value = req.headers().first(HeaderNames.create(INFERENCE_HEADER_LENGTH));
        if (value.isEmpty()) {
            return -1;
        }
        try {
            long n = Long.parseLong(value.get().trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw HttpError.badRequest(INFERENCE_HEADER_LENGTH + " must be a non-negative integer, got '" + value.get() + "'");
        }
    }

    /** A handler whose errors become {@code {"error": ...}} responses. */
    private Handler guarded(Route handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (HttpError e) {
                sendError(res, e);
            } catch (RuntimeException e) {
                sendError(res, HttpError.internal("internal error: " + e, e));
            }
        };
    }

    /** An inference handler: also counts the request by outcome and as in flight (drain waits for it). */
    private Handler inference(Route handler) {
        return (req, res) -> {
            handling.incrementAndGet();
            metrics.requestStarted();
            HttpError.Outcome outcome = HttpError.Outcome.SUCCESS;
            try {
                handler.handle(req, res);
            } catch (HttpError e) {
                outcome = e.outcome();
                sendError(res, e);
            } catch (ClientGone e) {
                outcome = HttpError.Outcome.DISCONNECTED;
                try {
                    // No one will read it, but Helidon wants every request answered.
                    sendError(res, HttpError.overloaded("client disconnected"));
                } catch (RuntimeException ignored) {
                    // the connection is gone
                }
            } catch (RuntimeException e) {
                outcome = HttpError.Outcome.FAILED;
                sendError(res, HttpError.internal("internal error: " + e, e));
            } finally {
                metrics.outcome(outcome);
                metrics.requestEnded();
                if (handling.decrementAndGet() == 0) {
                    synchronized (handlingDone) {
                        handlingDone.notifyAll();
                    }
                }
            }
        };
    }

    private static void sendError(ServerResponse res, HttpError e) {
        if (res.isSent()) {
            return;
        }
        if (e.retryAfter()) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(HttpError.RETRY_AFTER_SECONDS));
        }
        send(res, e.status(), ResponseBody.json(OipResponses.error(e.getMessage())));
    }

    private static void sendJson(ServerResponse res, int status, String json) {
        send(res, status, ResponseBody.json(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static void send(ServerResponse res, int status, ResponseBody body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, body.contentType());
        res.contentLength(body.length());
        try (OutputStream out = res.outputStream()) {
            body.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String s) {
        return new String(OipResponses.write(g -> g.writeString(s)), java.nio.charset.StandardCharsets.UTF_8);
    }

    static String version() {
        Package p = InferenceServer.class.getPackage();
        return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "0.1.0";
    }

    /** A handler that may throw {@link HttpError}. */
    @FunctionalInterface
    private interface Route {
        void handle(ServerRequest req, ServerResponse res);
    }

    /** The client hung up while its request was queued: it was dropped, and there is no one to answer. */
    private static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("client disconnected", null, false, false);
        }
    }
}
