package org.sparsemixer.server;

import java.nio.file.Path;
import org.sparsemixer.engine.WeightPrecision;

/**
 * The {@code serve} program of the drain test's child process: a fixture model, one sequence per call,
 * and every call held for 500 ms so that requests are queued and in flight when SIGTERM comes.
 * Arguments: the model directory.
 */
public final class SlowServeMain {
    private SlowServeMain() {
    }

    public static void main(String[] args) throws Exception {
        ServerOptions options = ServerOptions.defaults(0).withWarmup(1).withBatching(1, 0, 64);
        ServeSettings settings = new ServeSettings(Path.of(args[0]), null, "m", 1, WeightPrecision.F32, false, options);
        int code = Serve.run(settings, System.out, System.err, inner -> (input, layers) -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.encode(input, layers);
        });
        System.exit(code);
    }
}
