package org.sparsemixer.server;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import java.lang.reflect.Field;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Tells whether the client of a request is still connected while the request waits in the queue.
 *
 * <p>Helidon's HTTP/1 connection reads the socket only between requests, so a client that hangs up
 * while its request is queued goes unnoticed until the response is written. Helidon's blocking sockets
 * can watch for that themselves: {@link HelidonSocket#idle()} starts a background read of one byte (kept
 * for the next request if one comes) that turns {@link HelidonSocket#isConnected()} false at end of
 * stream. Two things are not exposed and are reached by reflection here: the request's connection (the
 * HTTP/1 request's {@code ctx} field), and the socket's read timeout, which bounds how long the watch
 * runs (with none set, it would give up, and report "closed", after 0.1 s). When either is not possible
 * (another Helidon version, NIO sockets, HTTP/2), the check answers "connected": a disconnected client's
 * request is then computed and its response discarded.
 */
final class ClientConnection {
    /** How long the watch may run; a longer wait in the queue would be reported as a hang-up. */
    static final long WATCH_LIMIT_MS = TimeUnit.MINUTES.toMillis(15);
    private static final Field CONTEXT = field("io.helidon.webserver.http1.Http1ServerRequest", "ctx", ConnectionContext.class);
    private static final Field DELEGATE = field("io.helidon.common.socket.PlainSocket", "delegate", Socket.class);

    private ClientConnection() {
    }

    /** A check that is true while the client of {@code request} is connected; starts watching the socket. */
    static BooleanSupplier watch(ServerRequest request) {
        if (CONTEXT == null || DELEGATE == null || !CONTEXT.getDeclaringClass().isInstance(request)) {
            return () -> true;
        }
        try {
            HelidonSocket socket = ((ConnectionContext) CONTEXT.get(request)).serverSocket();
            if (!(socket instanceof PlainSocket)) {
                return () -> true;
            }
            Socket delegate = (Socket) DELEGATE.get(socket);
            if (delegate.getSoTimeout() == 0) {
                // Helidon's reads then wait at most this long for a client's next request too.
                delegate.setSoTimeout((int) WATCH_LIMIT_MS);
            }
            socket.idle();
            return socket::isConnected;
        } catch (ReflectiveOperationException | SocketException | RuntimeException e) {
            return () -> true;
        }
    }

    private static Field field(String className, String name, Class<?> type) {
        try {
            Field f = Class.forName(className).getDeclaredField(name);
            f.setAccessible(true);
            return type.isAssignableFrom(f.getType()) ? f : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
