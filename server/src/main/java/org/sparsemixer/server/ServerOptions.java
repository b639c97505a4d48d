package org.sparsemixer.server;

/**
 * How the server listens, batches and queues (the {@code serve} options).
 *
 * @param host             address to bind, e.g. 127.0.0.1 or 0.0.0.0
 * @param port             TCP port; 0 picks a free one
 * @param maxBatch         most sequences one encoder call takes (requests are merged up to it, never split)
 * @param maxDelayMicros   longest the batcher waits after the oldest queued request for more to fill a batch
 * @param maxQueue         most sequences waiting in the queue; a request that would exceed it gets 503
 * @param warmupCalls      most untimed encoder calls at each batch size the batcher will use, before ready
 *                         (fewer once a call took within 10 % of the one before)
 * @param requestTimeoutMs longest a request may wait in the queue (0: no limit) unless it sets its own
 *                         {@code timeout} parameter
 * @param maxBodyBytes     largest request body accepted; a larger one gets 413
 * @param drainTimeoutMs   longest a graceful shutdown waits for queued and in-flight requests
 */
public record ServerOptions(String host, int port, int maxBatch, long maxDelayMicros, int maxQueue, int warmupCalls,
                            long requestTimeoutMs, long maxBodyBytes, long drainTimeoutMs) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    public static final int DEFAULT_MAX_BATCH = 8;
    public static final long DEFAULT_MAX_DELAY_MS = 2;
    public static final int DEFAULT_MAX_QUEUE = 64;
    /**
     * Warm-up calls per batch size. From a cold JVM Base is within 10 % of its steady speed by the 3rd call at
     * batch 1 and the 2nd at batch 8 (bench --timeline, bench/README.md "Serving"); 5 leaves a margin and
     * makes Base ready in ~13 s instead of 22-32 s with 10.
     */
    public static final int DEFAULT_WARMUP = 5;
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_MAX_BODY_MB = 64;
    public static final long DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        atLeast("--max-batch", maxBatch, 1);
        atLeast("--max-delay-ms", maxDelayMicros, 0);
        atLeast("--max-queue", maxQueue, 1);
        atLeast("--warmup", warmupCalls, 0);
        atLeast("--request-timeout-ms", requestTimeoutMs, 0);
        atLeast("--max-body-mb", maxBodyBytes, 1);
        atLeast("--drain-timeout-ms", drainTimeoutMs, 0);
        if (maxQueue < maxBatch) {
            throw new IllegalArgumentException("--max-queue " + maxQueue + " is smaller than --max-batch " + maxBatch
                    + ": a full batch could never be queued");
        }
    }

    /** Every default, on {@code port}. */
    public static ServerOptions defaults(int port) {
        return new ServerOptions(DEFAULT_HOST, port, DEFAULT_MAX_BATCH, DEFAULT_MAX_DELAY_MS * 1000, DEFAULT_MAX_QUEUE,
                DEFAULT_WARMUP, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_MAX_BODY_MB << 20, DEFAULT_DRAIN_TIMEOUT_MS);
    }

    public ServerOptions withBatching(int maxBatch, long maxDelayMicros, int maxQueue) {
        return new ServerOptions(host, port, maxBatch, maxDelayMicros, maxQueue, warmupCalls, requestTimeoutMs,
                maxBodyBytes, drainTimeoutMs);
    }

    public ServerOptions withWarmup(int calls) {
        return new ServerOptions(host, port, maxBatch, maxDelayMicros, maxQueue, calls, requestTimeoutMs,
                maxBodyBytes, drainTimeoutMs);
    }

    public ServerOptions withLimits(long requestTimeoutMs, long maxBodyBytes, long drainTimeoutMs) {
        return new ServerOptions(host, port, maxBatch, maxDelayMicros, maxQueue, warmupCalls, requestTimeoutMs,
                maxBodyBytes, drainTimeoutMs);
    }

    private static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be >= " + min + ", got " + value);
        }
    }
}
