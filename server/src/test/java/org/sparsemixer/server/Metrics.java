package org.sparsemixer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/** A scrape of GET /metrics, read line by line (the Prometheus text format). */
record Metrics(String text, Map<String, Double> values) {
    static Metrics scrape(TestServer t) throws Exception {
        HttpResponse<String> r = t.get("/metrics");
        assertEquals(200, r.statusCode());
        Map<String, Double> values = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Metrics(r.body(), values);
    }

    double value(String series) {
        Double v = values.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in\n" + text);
        }
        return v;
    }
}
