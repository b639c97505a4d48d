package org.sparsemixer.bench.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ONNX Runtime's own profile (SessionOptions.enableProfiling: a Chrome-trace JSON array of events) summed
 * per operator type and per operator with its input shapes, over the last {@code runs} model runs, as
 * milliseconds per run. The shapes say which stage a product belongs to (e.g. [E, G*C, H] x [E, H, F]:
 * the experts; [B*S, H] x [H, F] plus GELU: the feed-forward).
 */
final class OrtProfile {
    /** Time per run of one operator type, or of one operator type at one set of input shapes. */
    record Entry(String key, double millisPerRun, int nodesPerRun) {
    }

    record Summary(int runs, double runMillis, List<Entry> byType, List<Entry> byShape) {
    }

    private OrtProfile() {
    }

    static Summary read(Path file, int lastRuns) throws IOException {
        JsonNode events = new ObjectMapper().readTree(file.toFile());
        List<long[]> runs = new ArrayList<>(); // [start, end] of each model_run, in microseconds
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                long ts = e.path("ts").asLong();
                runs.add(new long[] {ts, ts + e.path("dur").asLong()});
            }
        }
        runs.sort((a, b) -> Long.compare(a[0], b[0]));
        int used = Math.min(lastRuns, runs.size());
        if (used == 0) {
            throw new IOException("no model_run events in " + file);
        }
        long from = runs.get(runs.size() - used)[0];
        double runMicros = 0;
        for (long[] r : runs.subList(runs.size() - used, runs.size())) {
            runMicros += r[1] - r[0];
        }
        Map<String, double[]> byType = new HashMap<>();
        Map<String, double[]> byShape = new HashMap<>();
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || e.path("ts").asLong() < from
                    || !e.path("name").asText().endsWith("_kernel_time")) {
                continue;
            }
            JsonNode args = e.path("args");
            String op = args.path("op_name").asText("?");
            double dur = e.path("dur").asDouble();
            add(byType, op, dur);
            add(byShape, op + " " + shapes(args.path("input_type_shape")), dur);
        }
        return new Summary(used, runMicros / used / 1e3, entries(byType, used), entries(byShape, used));
    }

    private static void add(Map<String, double[]> m, String key, double micros) {
        double[] v = m.computeIfAbsent(key, k -> new double[2]);
        v[0] += micros;
        v[1]++;
    }

    private static String shapes(JsonNode inputs) {
        List<String> parts = new ArrayList<>();
        for (JsonNode in : inputs) {
            in.fields().forEachRemaining(f -> parts.add(f.getValue().toString().replace(",", "x")));
        }
        return String.join(" ", parts);
    }

    private static List<Entry> entries(Map<String, double[]> m, int runs) {
        List<Entry> list = new ArrayList<>();
        m.forEach((k, v) -> list.add(new Entry(k, v[0] / runs / 1e3, (int) Math.round(v[1] / runs))));
        list.sort((a, b) -> Double.compare(b.millisPerRun(), a.millisPerRun()));
        return list;
    }

    static void print(Summary s, PrintStream out, int topShapes) {
        out.printf(Locale.ROOT, "ort profile: %d runs, %.1f ms per run (profiling on: slower than the timed runs)%n",
                s.runs(), s.runMillis());
        for (Entry e : s.byType()) {
            out.printf(Locale.ROOT, "  ort %-26s %9.2f ms %5.1f%%  (%d nodes)%n", e.key(), e.millisPerRun(),
                    100 * e.millisPerRun() / s.runMillis(), e.nodesPerRun());
        }
        out.println("ort profile, top operators by input shapes:");
        for (Entry e : s.byShape().subList(0, Math.min(topShapes, s.byShape().size()))) {
            out.printf(Locale.ROOT, "  ort %9.2f ms  %3d x  %s%n", e.millisPerRun(), e.nodesPerRun(), e.key());
        }
    }
}
