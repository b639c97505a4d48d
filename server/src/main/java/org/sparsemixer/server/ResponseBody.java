package org.sparsemixer.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A response body: JSON, optionally followed by raw float32 tensors (binary tensor data extension; then
 * {@code jsonLength} goes in the {@code Inference-Header-Content-Length} header).
 */
record ResponseBody(byte[] json, List<float[]> binaries) {
    static final String JSON = "application/json";
    static final String OCTET_STREAM = "application/octet-stream";
    private static final int CHUNK_FLOATS = 16 * 1024;

    static ResponseBody json(byte[] json) {
        return new ResponseBody(json, List.of());
    }

    boolean hasBinary() {
        return !binaries.isEmpty();
    }

    long length() {
        long n = json.length;
        for (float[] b : binaries) {
            n += 4L * b.length;
        }
        return n;
    }

    String contentType() {
        return hasBinary() ? OCTET_STREAM : JSON;
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(json);
        ByteBuffer chunk = ByteBuffer.allocate(4 * CHUNK_FLOATS).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] values : binaries) {
            for (int at = 0; at < values.length; at += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, values.length - at);
                chunk.clear();
                chunk.asFloatBuffer().put(values, at, n);
                out.write(chunk.array(), 0, 4 * n);
            }
        }
    }
}
