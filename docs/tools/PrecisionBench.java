import java.util.*;
import org.sparsemixer.engine.*;
import org.sparsemixer.engine.graph.*;
import org.sparsemixer.engine.kernels.GemmTiming;
import org.sparsemixer.loader.*;

/**
 * F32 against 16-bit weights in ONE process, calls interleaved, so a busy shared machine slows both alike
 * (see docs/loading.md). Run from the repository root:
 *   java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp cli/target/sparse-mixer.jar docs/tools/PrecisionBench.java encoder [ROUNDS]
 *   ... PrecisionBench.java gemm M K N [ROUNDS]
 * encoder: Sparse Mixer Base (random weights, seed 42, as bench --config base), batch 1, 2 threads.
 */
public class PrecisionBench {
    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    public static void main(String[] a) throws Exception {
        WeightPrecision[] ps = WeightPrecision.values();
        if (a[0].equals("gemm")) {
            int m = Integer.parseInt(a[1]), k = Integer.parseInt(a[2]), n = Integer.parseInt(a[3]);
            int rounds = a.length > 4 ? Integer.parseInt(a[4]) : 7;
            int iters = (int) Math.max(5, 4e10 / (2.0 * m * k * n));
            Map<WeightPrecision, List<Double>> g = new EnumMap<>(WeightPrecision.class);
            for (int r = 0; r < rounds; r++) {
                for (WeightPrecision p : ps) {
                    g.computeIfAbsent(p, x -> new ArrayList<>()).add(GemmTiming.gflops(m, k, n, 2, iters / 4, iters, p));
                }
            }
            for (WeightPrecision p : ps) {
                System.out.printf("gemm %dx%dx%d threads=2 %s: median %.1f GFLOP/s (%s)%n", m, k, n, p, median(g.get(p)), g.get(p));
            }
            return;
        }
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 15;
        SparseMixerConfig config = ModelPresets.byName("base");
        Map<WeightPrecision, SparseMixerEncoder> enc = new EnumMap<>(WeightPrecision.class);
        for (WeightPrecision p : ps) {
            try (RandomWeights w = new RandomWeights(config, 42L)) {
                enc.put(p, SparseMixerEncoder.create(config, w, EncoderOptions.threads(2).withWeightPrecision(p)));
            }
        }
        EncoderInput input = BatchFiles.sampleBatch(config, 1, 1L);
        for (int i = 0; i < 3; i++) {
            for (WeightPrecision p : ps) {
                enc.get(p).encode(input);
            }
        }
        Map<WeightPrecision, List<Double>> ms = new EnumMap<>(WeightPrecision.class);
        for (int r = 0; r < rounds; r++) {
            for (WeightPrecision p : ps) {
                long t0 = System.nanoTime();
                enc.get(p).encode(input);
                ms.computeIfAbsent(p, x -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
            }
        }
        double f32 = median(ms.get(WeightPrecision.F32));
        for (WeightPrecision p : ps) {
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                ratios.add(ms.get(p).get(r) / ms.get(WeightPrecision.F32).get(r));
            }
            System.out.printf("base b=1 t=2 %s: median %.1f ms (%.2fx F32), median per-round ratio %.2f, weights %.0f MB%n",
                    p, median(ms.get(p)), median(ms.get(p)) / f32, median(ratios), enc.get(p).weightBytes() / 1e6);
        }
        for (SparseMixerEncoder e : enc.values()) {
            e.close();
        }
    }
}
