import java.nio.file.*;
import org.sparsemixer.loader.safetensors.*;
/**
 * Max and mean |difference| of two output files of run --output (see docs/loading.md):
 *   java -cp cli/target/sparse-mixer.jar docs/tools/OutputDiff.java A.safetensors B.safetensors
 * The per-row count assumes hidden size 512.
 */
public class OutputDiff {
    public static void main(String[] a) throws Exception {
        try (SafeTensorsFile x = SafeTensorsFile.open(Path.of(a[0])); SafeTensorsFile y = SafeTensorsFile.open(Path.of(a[1]))) {
            for (String n : new String[] {"sequence_output", "pooled_output", "encoder_outputs"}) {
                float[] p = x.floats(n), q = y.floats(n);
                double m = 0, s = 0;
                for (int i = 0; i < p.length; i++) { m = Math.max(m, Math.abs((double) p[i] - q[i])); s = Math.max(s, Math.abs(p[i])); }
                double mean = 0; for (int i = 0; i < p.length; i++) mean += Math.abs((double) p[i] - q[i]); mean /= p.length;
                int h = 512, rows = p.length / h, bad = 0;
                for (int r = 0; r < rows; r++) { double rm = 0; for (int j = 0; j < h; j++) rm = Math.max(rm, Math.abs(p[r*h+j] - q[r*h+j])); if (rm > 0.1) bad++; }
                System.out.printf("%s: max|diff| %.3e mean|diff| %.3e (max|f32| %.3f); token rows with max|diff| > 0.1: %d of %d%n", n, m, mean, s, bad, rows);
            }
        }
    }
}
