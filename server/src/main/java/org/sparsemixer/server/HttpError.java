package org.sparsemixer.server;

/**
 * A request that ends in an error response: the status code Triton uses for it and the message of the
 * {@code {"error": "..."}} body.
 */
public final class HttpError extends RuntimeException {
    /** Seconds a refused client should wait before retrying (the {@code Retry-After} header). */
    static final int RETRY_AFTER_SECONDS = 1;

    private final int status;
    private final Outcome outcome;
    private final boolean retryAfter;

    private HttpError(int status, Outcome outcome, String message, boolean retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.outcome = outcome;
        this.retryAfter = retryAfter;
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, Outcome.BAD_REQUEST, message, false, null);
    }

    public static HttpError badRequest(String message, Throwable cause) {
        return new HttpError(400, Outcome.BAD_REQUEST, message, false, cause);
    }

    public static HttpError notFound(String message) {
        return new HttpError(404, Outcome.BAD_REQUEST, message, false, null);
    }

    public static HttpError tooLarge(String message) {
        return new HttpError(413, Outcome.BAD_REQUEST, message, false, null);
    }

    /** The queue is full or the server is draining: refused at once, try again (another replica). */
    public static HttpError overloaded(String message) {
        return new HttpError(503, Outcome.REJECTED, message, true, null);
    }

    public static HttpError timedOut(String message) {
        return new HttpError(503, Outcome.TIMED_OUT, message, false, null);
    }

    public static HttpError internal(String message, Throwable cause) {
        return new HttpError(500, Outcome.FAILED, message, false, cause);
    }

    public int status() {
        return status;
    }

    Outcome outcome() {
        return outcome;
    }

    boolean retryAfter() {
        return retryAfter;
    }

    /** How a request ended, the label of the requests metric. */
    enum Outcome {
        SUCCESS("success"),
        REJECTED("rejected"),
        TIMED_OUT("timed_out"),
        BAD_REQUEST("bad_request"),
        FAILED("failed"),
        DISCONNECTED("disconnected");

        final String label;

        Outcome(String label) {
            this.label = label;
        }
    }
}
