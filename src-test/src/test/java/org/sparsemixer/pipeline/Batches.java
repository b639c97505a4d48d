package org.sparsemixer.pipeline;

import java.util.Random;

/** Valid [B][S] input arrays for {@link TestModels} models, to be broken one value at a time by the tests. */
final class Batches {
    final int[][] ids;
    final int[][] mask;
    final int[][] types;

    private Batches(int[][] ids, int[][] mask, int[][] types) {
        this.ids = ids;
        this.mask = mask;
        this.types = types;
    }

    /** Ids in [1, vocab), types in [0, typeVocab), every example but the first with a padded tail. */
    static Batches valid(int batch, int length, long seed) {
        Random r = new Random(seed);
        int[][] ids = new int[batch][length];
        int[][] mask = new int[batch][length];
        int[][] types = new int[batch][length];
        for (int b = 0; b < batch; b++) {
            int real = b == 0 ? length : Math.max(1, length - 1 - b % length);
            for (int t = 0; t < length; t++) {
                ids[b][t] = t < real ? 1 + r.nextInt(TestModels.VOCAB - 1) : 0;
                mask[b][t] = t < real ? 1 : 0;
                types[b][t] = t < real / 2 ? 0 : 1;
            }
        }
        return new Batches(ids, mask, types);
    }

    static float[][][] dense(int batch, int length, int width, long seed) {
        Random r = new Random(seed);
        float[][][] d = new float[batch][length][width];
        for (float[][] example : d) {
            for (float[] row : example) {
                for (int i = 0; i < width; i++) {
                    row[i] = (float) r.nextGaussian();
                }
            }
        }
        return d;
    }

    static int[][] filled(int batch, int length, int value) {
        int[][] a = new int[batch][length];
        for (int[] row : a) {
            java.util.Arrays.fill(row, value);
        }
        return a;
    }

    static int[] flat(int[][] a) {
        return java.util.Arrays.stream(a).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    static float[] flat(float[][][] a) {
        int n = 0;
        for (float[][] x : a) {
            for (float[] y : x) {
                n += y.length;
            }
        }
        float[] out = new float[n];
        int i = 0;
        for (float[][] x : a) {
            for (float[] y : x) {
                System.arraycopy(y, 0, out, i, y.length);
                i += y.length;
            }
        }
        return out;
    }
}
