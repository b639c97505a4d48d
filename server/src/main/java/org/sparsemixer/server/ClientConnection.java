package org.sparsemixer.server;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import java.lang.reflect.Field;
import java.util.function.BooleanSupplier;

/**
 * Tells whether the client of a request is still connected while the request waits in the queue.
 *
 * <p>Helidon's HTTP/1 connection reads the socket only between requests, so a client that hangs up
 * while its request is queued goes unnoticed until the response is written. Helidon's sockets can watch
 * for that themselves ({@link HelidonSocket#idle()} starts a background read of one byte, kept for the
 * next request, and {@link HelidonSocket#isConnected()} turns false at end of stream), but the request
 * does not expose its connection; it is read here from the HTTP/1 request's {@code ctx} field. When that
 * is not possible (another Helidon version, HTTP/2), the check answers "connected" and a disconnected
 * client's request is computed and its response discarded, as before.
 */
final class ClientConnection {
    private static final Field CONTEXT = contextField();

    private ClientConnection() {
    }

    /** A check that is true while the client of {@code request} is connected; starts watching the socket. */
    static BooleanSupplier watch(ServerRequest request) {
        HelidonSocket socket = socket(request);
        if (socket == null) {
            return () -> true;
        }
        try {
            socket.idle();
        } catch (RuntimeException e) {
            return () -> true;
        }
        return socket::isConnected;
    }

    private static HelidonSocket socket(ServerRequest request) {
        if (CONTEXT == null || !CONTEXT.getDeclaringClass().isInstance(request)) {
            return null;
        }
        try {
            return ((ConnectionContext) CONTEXT.get(request)).serverSocket();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Field contextField() {
        try {
            Field f = Class.forName("io.helidon.webserver.http1.Http1ServerRequest").getDeclaredField("ctx");
            f.setAccessible(true);
            return ConnectionContext.class.isAssignableFrom(f.getType()) ? f : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
