import java.nio.file.*;
import java.util.*;
import org.sparsemixer.engine.*;
import org.sparsemixer.engine.graph.*;
import org.sparsemixer.loader.*;

/**
 * Load time and resident memory of ModelLoader.load (see docs/loading.md). Run from the repository root:
 *   java --add-modules jdk.incubator.vector -cp cli/target/sparse-mixer.jar docs/tools/LoadMeasure.java file DIR [F32|BF16|F16]
 *   ... LoadMeasure.java default [F32|BF16|F16]      (the embedded model, generated in memory)
 * The precision is the engine's weight storage (EncoderOptions.weightPrecision, as run --weights-dtype).
 * -Didle.seconds=N waits N seconds after loading (and reports) before the explicit System.gc().
 *   ... LoadMeasure.java read DIR                    (the loader alone: validate and read every tensor, 3 times)
 */
public class LoadMeasure {
    static String status() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS") || l.startsWith("VmHWM") || l.startsWith("RssFile") || l.startsWith("RssAnon")) {
                sb.append(l.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return sb.toString();
    }
    public static void main(String[] a) throws Exception {
        String mode = a[0];
        if (mode.equals("read")) {
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                long n = 0;
                SparseMixerConfig c = ModelLoader.readConfig(Path.of(a[1]));
                try (ModelWeights w = ModelWeights.open(Path.of(a[1]))) {
                    TensorSource src = ModelLoader.validatedSource(c, w, WeightDType.F32);
                    for (var en : ModelLayout.expectedTensors(c).entrySet()) {
                        n += src.floats(en.getKey(), en.getValue()).length;
                    }
                }
                System.out.printf("read+validate every tensor (%d floats): %.0f ms; %s%n", n, (System.nanoTime() - t0) / 1e6, status());
            }
            return;
        }
        int dtypeArg = mode.equals("default") ? 1 : 2;
        WeightPrecision precision = a.length > dtypeArg ? WeightPrecision.valueOf(a[dtypeArg]) : WeightPrecision.F32;
        EncoderOptions options = EncoderOptions.threads(2).withWeightPrecision(precision);
        System.out.println("before: " + status());
        long t0 = System.nanoTime();
        SparseMixerEncoder e = mode.equals("default") ? DefaultModel.create(options)
                : ModelLoader.load(Path.of(a[1]), options);
        long t1 = System.nanoTime();
        System.out.printf("%s: load to ready encoder %.0f ms%n", mode, (t1 - t0) / 1e6);
        System.out.println("after load: " + status());
        long idle = Long.getLong("idle.seconds", 0); // e.g. with -XX:G1PeriodicGCInterval: what an idle service keeps
        if (idle > 0) {
            Thread.sleep(idle * 1000);
            System.out.printf("after %d s idle: %s%n", idle, status());
        }
        System.gc();
        Thread.sleep(200);
        System.out.println("after gc: " + status());
        Runtime r = Runtime.getRuntime();
        System.out.printf("heap used %.0f MB (committed %.0f MB); the encoder's weights %.0f MB (%s)%n",
                (r.totalMemory() - r.freeMemory()) / 1e6, r.totalMemory() / 1e6, e.weightBytes() / 1e6, precision);
        e.close();
    }
}
