import java.util.*;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.*;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.graph.*;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.engine.kernels.GemmTiming;

import org.sparsemixer.engine.EncoderInput;
import org.sparsemixer.loader.*;

import org.sparsemixer.engine.EncoderInput;


import org.sparsemixer.engine.EncoderInput;
/**

import org.sparsemixer.engine.EncoderInput;
 * F32 against 16-bit weights in ONE process, calls interleaved, so a busy shared machine slows both alike

import org.sparsemixer.engine.EncoderInput;
 * (see docs/loading.md). Run from the repository root:

import org.sparsemixer.engine.EncoderInput;
 *   java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp cli/target/sparse-mixer.jar docs/tools/PrecisionBench.java encoder [ROUNDS]

import org.sparsemixer.engine.EncoderInput;
 *   ... PrecisionBench.java gemm M K N [ROUNDS]

import org.sparsemixer.engine.EncoderInput;
 * encoder: Sparse Mixer Base (random weights, seed 42, as bench --config base), batch 1, 2 threads.

import org.sparsemixer.engine.EncoderInput;
 */

import org.sparsemixer.engine.EncoderInput;
public class PrecisionBench {

import org.sparsemixer.engine.EncoderInput;
    static double median(List<Double> xs) {

import org.sparsemixer.engine.EncoderInput;
        List<Double> s = new ArrayList<>(xs);

import org.sparsemixer.engine.EncoderInput;
        Collections.sort(s);

import org.sparsemixer.engine.EncoderInput;
        return s.get(s.size() / 2);

import org.sparsemixer.engine.EncoderInput;
    }

import org.sparsemixer.engine.EncoderInput;


import org.sparsemixer.engine.EncoderInput;
    public static void main(String[] a) throws Exception {

import org.sparsemixer.engine.EncoderInput;
        WeightPrecision[] ps = WeightPrecision.values();

import org.sparsemixer.engine.EncoderInput;
        if (a[0].equals("gemm")) {

import org.sparsemixer.engine.EncoderInput;
            int m = Integer.parseInt(a[1]), k = Integer.parseInt(a[2]), n = Integer.parseInt(a[3]);

import org.sparsemixer.engine.EncoderInput;
            int rounds = a.length > 4 ? Integer.parseInt(a[4]) : 7;

import org.sparsemixer.engine.EncoderInput;
            int iters = (int) Math.max(5, 4e10 / (2.0 * m * k * n));

import org.sparsemixer.engine.EncoderInput;
            Map<WeightPrecision, List<Double>> g = new EnumMap<>(WeightPrecision.class);

import org.sparsemixer.engine.EncoderInput;
            for (int r = 0; r < rounds; r++) {

import org.sparsemixer.engine.EncoderInput;
                for (WeightPrecision p : ps) {

import org.sparsemixer.engine.EncoderInput;
                    g.computeIfAbsent(p, x -> new ArrayList<>()).add(GemmTiming.gflops(m, k, n, 2, iters / 4, iters, p));

import org.sparsemixer.engine.EncoderInput;
                }

import org.sparsemixer.engine.EncoderInput;
            }

import org.sparsemixer.engine.EncoderInput;
            for (WeightPrecision p : ps) {

import org.sparsemixer.engine.EncoderInput;
                System.out.printf("gemm %dx%dx%d threads=2 %s: median %.1f GFLOP/s (%s)%n", m, k, n, p, median(g.get(p)), g.get(p));

import org.sparsemixer.engine.EncoderInput;
            }

import org.sparsemixer.engine.EncoderInput;
            return;

import org.sparsemixer.engine.EncoderInput;
        }

import org.sparsemixer.engine.EncoderInput;
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 15;

import org.sparsemixer.engine.EncoderInput;
        SparseMixerConfig config = ModelPresets.byName("base");

import org.sparsemixer.engine.EncoderInput;
        Map<WeightPrecision, SparseMixerEncoder> enc = new EnumMap<>(WeightPrecision.class);

import org.sparsemixer.engine.EncoderInput;
        for (WeightPrecision p : ps) {

import org.sparsemixer.engine.EncoderInput;
            try (RandomWeights w = new RandomWeights(config, 42L)) {

import org.sparsemixer.engine.EncoderInput;
                enc.put(p, SparseMixerEncoder.create(config, w, EncoderOptions.threads(2).withWeightPrecision(p)));

import org.sparsemixer.engine.EncoderInput;
            }

import org.sparsemixer.engine.EncoderInput;
        }

import org.sparsemixer.engine.EncoderInput;
        EncoderInput input = EncoderInput.sample(config, 1, 1L);

import org.sparsemixer.engine.EncoderInput;
        for (int i = 0; i < 3; i++) {

import org.sparsemixer.engine.EncoderInput;
            for (WeightPrecision p : ps) {

import org.sparsemixer.engine.EncoderInput;
                enc.get(p).encode(input);

import org.sparsemixer.engine.EncoderInput;
            }

import org.sparsemixer.engine.EncoderInput;
        }

import org.sparsemixer.engine.EncoderInput;
        Map<WeightPrecision, List<Double>> ms = new EnumMap<>(WeightPrecision.class);

import org.sparsemixer.engine.EncoderInput;
        for (int r = 0; r < rounds; r++) {

import org.sparsemixer.engine.EncoderInput;
            for (WeightPrecision p : ps) {

import org.sparsemixer.engine.EncoderInput;
                long t0 = System.nanoTime();

import org.sparsemixer.engine.EncoderInput;
                enc.get(p).encode(input);

import org.sparsemixer.engine.EncoderInput;
                ms.computeIfAbsent(p, x -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);

import org.sparsemixer.engine.EncoderInput;
            }

import org.sparsemixer.engine.EncoderInput;
        }

import org.sparsemixer.engine.EncoderInput;
        double f32 = median(ms.get(WeightPrecision.F32));

import org.sparsemixer.engine.EncoderInput;
        for (WeightPrecision p : ps) {

import org.sparsemixer.engine.EncoderInput;
            List<Double> ratios = new ArrayList<>();

import org.sparsemixer.engine.EncoderInput;
            for (int r = 0; r < rounds; r++) {

import org.sparsemixer.engine.EncoderInput;
                ratios.add(ms.get(p).get(r) / ms.get(WeightPrecision.F32).get(r));

import org.sparsemixer.engine.EncoderInput;
            }

import org.sparsemixer.engine.EncoderInput;
            System.out.printf("base b=1 t=2 %s: median %.1f ms (%.2fx F32), median per-round ratio %.2f, weights %.0f MB%n",

import org.sparsemixer.engine.EncoderInput;
                    p, median(ms.get(p)), median(ms.get(p)) / f32, median(ratios), enc.get(p).weightBytes() / 1e6);

import org.sparsemixer.engine.EncoderInput;
        }

import org.sparsemixer.engine.EncoderInput;
        for (SparseMixerEncoder e : enc.values()) {

import org.sparsemixer.engine.EncoderInput;
            e.close();

import org.sparsemixer.engine.EncoderInput;
        }

import org.sparsemixer.engine.EncoderInput;
    }

import org.sparsemixer.engine.EncoderInput;
}

import org.sparsemixer.engine.EncoderInput;
