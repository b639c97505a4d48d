package org.sparsemixer.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batched, unnormalized forward complex DFT of one length {@code n}:
 * {@code X[k] = sum_j x[j] exp(-2 pi i j k / n)}, applied to {@code batch} independent sequences at once.
 *
 * <p>Layout ("batch innermost"): element {@code e} of sequence {@code b} is at {@code re[reOff + e * batch + b]}
 * and {@code im[imOff + e * batch + b]}, so the butterflies run over contiguous runs of {@code batch} (or longer)
 * floats and vectorize with {@link FloatVector}.
 *
 * <p>Algorithms:
 * <ul>
 *   <li>n whose prime factors are all &le; {@value #MAX_DIRECT_RADIX}, or n &le; {@value #MAX_DIRECT_N}:
 *       iterative Stockham autosort (decimation in frequency), radix 4 first, then 2, 3, 5, then generic odd
 *       radices p (an O(p^2) butterfly; for a prime n &le; {@value #MAX_DIRECT_N} this is the direct DFT);</li>
 *   <li>anything else: Bluestein (chirp-z) with a power-of-two Stockham FFT of length M &ge; 2n-1.</li>
 * </ul>
 * All twiddles, chirps and the chirp spectrum are computed in double from exactly reduced angles and stored as
 * float. Immutable and thread-safe once constructed; all working memory comes from the caller's scratch.
 */
public final class ComplexFft {
    static final VectorSpecies<Float> SPECIES = VectorShapes.F;
    static final int LANES = SPECIES.length();

    /** Largest prime factor handled with the Stockham generic butterfly (above that: Bluestein). */
    static final int MAX_DIRECT_RADIX = 13;
    /** Any n up to this uses the Stockham path even if prime (one generic stage = direct DFT). */
    static final int MAX_DIRECT_N = 32;

    private final int n;
    /** Stockham plan (null for Bluestein). */
    private final Stage[] stages;
    /** Bluestein: inner power-of-two FFT, chirp, and chirp-filter spectrum (already divided by m). */
    private final ComplexFft inner;
    private final int m;
    private final float[] chirpRe, chirpIm, filterRe, filterIm;

    /** One Stockham stage: sub-length {@code len} = radix * sub, stride s = n / len. */
    private static final class Stage {
        final int radix, sub, stride;
        /** twiddles w_len^(j*t), index j*radix + t, for j < sub, t < radix. */
        final float[] twRe, twIm;
        /** generic radix only: w_p^q, q < p. */
        final float[] rootRe, rootIm;

        Stage(int radix, int sub, int stride, int n) {
            this.radix = radix;
            this.sub = sub;
            this.stride = stride;
            int len = radix * sub;
            twRe = new float[sub * radix];
            twIm = new float[sub * radix];
            for (int j = 0; j < sub; j++) {
                for (int t = 0; t < radix; t++) {
                    // w_len^(j t) = w_n^((j t mod len) * stride), reduced exactly before the double trig.
                    long q = ((long) j * t) % len;
                    double ang = -2.0 * Math.PI * q / len;
                    twRe[j * radix + t] = (float) StrictMath.cos(ang);
                    twIm[j * radix + t] = (float) StrictMath.sin(ang);
                }
            }
            if (radix > 5) {
                rootRe = new float[radix];
                rootIm = new float[radix];
                for (int q = 0; q < radix; q++) {
                    double ang = -2.0 * Math.PI * q / radix;
                    rootRe[q] = (float) StrictMath.cos(ang);
                    rootIm[q] = (float) StrictMath.sin(ang);
                }
            } else {
                rootRe = null;
                rootIm = null;
            }
        }
    }

    public ComplexFft(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("FFT length must be positive: " + n);
        }
        this.n = n;
        if (n <= MAX_DIRECT_N || largestPrimeFactor(n) <= MAX_DIRECT_RADIX) {
            stages = plan(n);
            inner = null;
            m = 0;
            chirpRe = chirpIm = filterRe = filterIm = null;
        } else {
            stages = null;
            int mm = 1;
            while (mm < 2 * n - 1) {
                mm <<= 1;
            }
            m = mm;
            inner = new ComplexFft(mm);
            chirpRe = new float[n];
            chirpIm = new float[n];
            double[] bRe = new double[mm];
            double[] bIm = new double[mm];
            long twoN = 2L * n;
            for (int k = 0; k < n; k++) {
                // c[k] = exp(-pi i k^2 / n) = exp(-2 pi i (k^2 mod 2n) / (2n))
                long q = ((long) k * k) % twoN;
                double ang = -Math.PI * q / n;
                double c = StrictMath.cos(ang), s = StrictMath.sin(ang);
                chirpRe[k] = (float) c;
                chirpIm[k] = (float) s;
                // b[d] = conj(c[d]) for |d| < n, circular in m
                bRe[k] = c;
                bIm[k] = -s;
                if (k > 0) {
                    bRe[mm - k] = c;
                    bIm[mm - k] = -s;
                }
            }
            fftDouble(bRe, bIm);
            filterRe = new float[mm];
            filterIm = new float[mm];
            for (int k = 0; k < mm; k++) {
                filterRe[k] = (float) (bRe[k] / mm);
                filterIm[k] = (float) (bIm[k] / mm);
            }
        }
    }

    public int length() {
        return n;
    }

    /** True when this length is done by Bluestein's algorithm. */
    public boolean isBluestein() {
        return stages == null;
    }

    /** Floats of scratch {@link #transform} needs for this batch size. */
    public int scratchSize(int batch) {
        if (stages != null) {
            return stages.length == 0 ? 0 : 2 * n * batch;
        }
        return 2 * m * batch + inner.scratchSize(batch);
    }

    /**
     * In-place forward DFT of {@code batch} sequences (layout in the class comment). {@code scratch} must hold
     * {@link #scratchSize(int) scratchSize(batch)} floats from {@code scratchOff}.
     */
    public void transform(float[] re, int reOff, float[] im, int imOff, int batch, float[] scratch, int scratchOff) {
        if (stages != null) {
            stockham(re, reOff, im, imOff, batch, scratch, scratchOff);
        } else {
            bluestein(re, reOff, im, imOff, batch, scratch, scratchOff);
        }
    }

    // ---------------------------------------------------------------- Stockham

    private void stockham(float[] re, int reOff, float[] im, int imOff, int batch, float[] sc, int scOff) {
        int nb = n * batch;
        float[] srcRe = re, srcIm = im, dstRe = sc, dstIm = sc;
        int sRe = reOff, sIm = imOff, dRe = scOff, dIm = scOff + nb;
        for (Stage st : stages) {
            runStage(st, batch, srcRe, sRe, srcIm, sIm, dstRe, dRe, dstIm, dIm);
            float[] tr = srcRe, ti = srcIm;
            int or = sRe, oi = sIm;
            srcRe = dstRe;
            srcIm = dstIm;
            sRe = dRe;
            sIm = dIm;
            dstRe = tr;
            dstIm = ti;
            dRe = or;
            dIm = oi;
        }
        if (srcRe != re || sRe != reOff) {
            System.arraycopy(srcRe, sRe, re, reOff, nb);
            System.arraycopy(srcIm, sIm, im, imOff, nb);
        }
    }

    private static void runStage(Stage st, int batch, float[] xr, int xrO, float[] xi, int xiO,
                                 float[] yr, int yrO, float[] yi, int yiO) {
        switch (st.radix) {
            case 2 -> radix2(st, batch, xr, xrO, xi, xiO, yr, yrO, yi, yiO);
            case 3 -> radix3(st, batch, xr, xrO, xi, xiO, yr, yrO, yi, yiO);
            case 4 -> radix4(st, batch, xr, xrO, xi, xiO, yr, yrO, yi, yiO);
            case 5 -> radix5(st, batch, xr, xrO, xi, xiO, yr, yrO, yi, yiO);
            default -> radixGeneric(st, batch, xr, xrO, xi, xiO, yr, yrO, yi, yiO);
        }
    }

    /*
     * Stage with radix p, sub-length m = sub, stride s: for j < m, t < p and c < s*batch,
     *   y[(p j + t) * W + c] = w_{p m}^{j t} * sum_u x[(j + u m) * W + c] * w_p^{u t},   W = s * batch.
     */

    private static void radix2(Stage st, int batch, float[] xr, int xrO, float[] xi, int xiO,
                               float[] yr, int yrO, float[] yi, int yiO) {
        final int m = st.sub, w = st.stride * batch, vb = SPECIES.loopBound(w);
        for (int j = 0; j < m; j++) {
            float wr = st.twRe[2 * j + 1], wi = st.twIm[2 * j + 1];
            int x0 = j * w, x1 = (j + m) * w, y0 = 2 * j * w, y1 = y0 + w;
            int c = 0;
            if (j == 0) {
                for (; c < vb; c += LANES) {
                    var ar = FloatVector.fromArray(SPECIES, xr, xrO + x0 + c);
                    var ai = FloatVector.fromArray(SPECIES, xi, xiO + x0 + c);
                    var br = FloatVector.fromArray(SPECIES, xr, xrO + x1 + c);
                    var bi = FloatVector.fromArray(SPECIES, xi, xiO + x1 + c);
                    ar.add(br).intoArray(yr, yrO + y0 + c);
                    ai.add(bi).intoArray(yi, yiO + y0 + c);
                    ar.sub(br).intoArray(yr, yrO + y1 + c);
                    ai.sub(bi).intoArray(yi, yiO + y1 + c);
                }
            } else {
                var vwr = FloatVector.broadcast(SPECIES, wr);
                var vwi = FloatVector.broadcast(SPECIES, wi);
                for (; c < vb; c += LANES) {
                    var ar = FloatVector.fromArray(SPECIES, xr, xrO + x0 + c);
                    var ai = FloatVector.fromArray(SPECIES, xi, xiO + x0 + c);
                    var br = FloatVector.fromArray(SPECIES, xr, xrO + x1 + c);
                    var bi = FloatVector.fromArray(SPECIES, xi, xiO + x1 + c);
                    ar.add(br).intoArray(yr, yrO + y0 + c);
                    ai.add(bi).intoArray(yi, yiO + y0 + c);
                    var dr = ar.sub(br);
                    var di = ai.sub(bi);
                    dr.mul(vwr).sub(di.mul(vwi)).intoArray(yr, yrO + y1 + c);
                    dr.mul(vwi).add(di.mul(vwr)).intoArray(yi, yiO + y1 + c);
                }
            }
            for (; c < w; c++) {
                float ar = xr[xrO + x0 + c], ai = xi[xiO + x0 + c];
                float br = xr[xrO + x1 + c], bi = xi[xiO + x1 + c];
                yr[yrO + y0 + c] = ar + br;
                yi[yiO + y0 + c] = ai + bi;
                float dr = ar - br, di = ai - bi;
                yr[yrO + y1 + c] = dr * wr - di * wi;
                yi[yiO + y1 + c] = dr * wi + di * wr;
            }
        }
    }

    private static void radix4(Stage st, int batch, float[] xr, int xrO, float[] xi, int xiO,
                               float[] yr, int yrO, float[] yi, int yiO) {
        final int m = st.sub, w = st.stride * batch, vb = SPECIES.loopBound(w);
        final float[] twr = st.twRe, twi = st.twIm;
        for (int j = 0; j < m; j++) {
            float w1r = twr[4 * j + 1], w1i = twi[4 * j + 1];
            float w2r = twr[4 * j + 2], w2i = twi[4 * j + 2];
            float w3r = twr[4 * j + 3], w3i = twi[4 * j + 3];
            int x0 = j * w, x1 = (j + m) * w, x2 = (j + 2 * m) * w, x3 = (j + 3 * m) * w;
            int y0 = 4 * j * w, y1 = y0 + w, y2 = y1 + w, y3 = y2 + w;
            var v1r = FloatVector.broadcast(SPECIES, w1r);
            var v1i = FloatVector.broadcast(SPECIES, w1i);
            var v2r = FloatVector.broadcast(SPECIES, w2r);
            var v2i = FloatVector.broadcast(SPECIES, w2i);
            var v3r = FloatVector.broadcast(SPECIES, w3r);
            var v3i = FloatVector.broadcast(SPECIES, w3i);
            int c = 0;
            for (; c < vb; c += LANES) {
                var a0r = FloatVector.fromArray(SPECIES, xr, xrO + x0 + c);
                var a0i = FloatVector.fromArray(SPECIES, xi, xiO + x0 + c);
                var a1r = FloatVector.fromArray(SPECIES, xr, xrO + x1 + c);
                var a1i = FloatVector.fromArray(SPECIES, xi, xiO + x1 + c);
                var a2r = FloatVector.fromArray(SPECIES, xr, xrO + x2 + c);
                var a2i = FloatVector.fromArray(SPECIES, xi, xiO + x2 + c);
                var a3r = FloatVector.fromArray(SPECIES, xr, xrO + x3 + c);
                var a3i = FloatVector.fromArray(SPECIES, xi, xiO + x3 + c);
                var s02r = a0r.add(a2r);
                var s02i = a0i.add(a2i);
                var d02r = a0r.sub(a2r);
                var d02i = a0i.sub(a2i);
                var s13r = a1r.add(a3r);
                var s13i = a1i.add(a3i);
                var d13r = a1r.sub(a3r);
                var d13i = a1i.sub(a3i);
                s02r.add(s13r).intoArray(yr, yrO + y0 + c);
                s02i.add(s13i).intoArray(yi, yiO + y0 + c);
                // y1 = d02 - i d13, y2 = s02 - s13, y3 = d02 + i d13, then twiddles
                var b1r = d02r.add(d13i);
                var b1i = d02i.sub(d13r);
                var b2r = s02r.sub(s13r);
                var b2i = s02i.sub(s13i);
                var b3r = d02r.sub(d13i);
                var b3i = d02i.add(d13r);
                b1r.mul(v1r).sub(b1i.mul(v1i)).intoArray(yr, yrO + y1 + c);
                b1r.mul(v1i).add(b1i.mul(v1r)).intoArray(yi, yiO + y1 + c);
                b2r.mul(v2r).sub(b2i.mul(v2i)).intoArray(yr, yrO + y2 + c);
                b2r.mul(v2i).add(b2i.mul(v2r)).intoArray(yi, yiO + y2 + c);
                b3r.mul(v3r).sub(b3i.mul(v3i)).intoArray(yr, yrO + y3 + c);
                b3r.mul(v3i).add(b3i.mul(v3r)).intoArray(yi, yiO + y3 + c);
            }
            for (; c < w; c++) {
                float a0r = xr[xrO + x0 + c], a0i = xi[xiO + x0 + c];
                float a1r = xr[xrO + x1 + c], a1i = xi[xiO + x1 + c];
                float a2r = xr[xrO + x2 + c], a2i = xi[xiO + x2 + c];
                float a3r = xr[xrO + x3 + c], a3i = xi[xiO + x3 + c];
                float s02r = a0r + a2r, s02i = a0i + a2i, d02r = a0r - a2r, d02i = a0i - a2i;
                float s13r = a1r + a3r, s13i = a1i + a3i, d13r = a1r - a3r, d13i = a1i - a3i;
                yr[yrO + y0 + c] = s02r + s13r;
                yi[yiO + y0 + c] = s02i + s13i;
                float b1r = d02r + d13i, b1i = d02i - d13r;
                float b2r = s02r - s13r, b2i = s02i - s13i;
                float b3r = d02r - d13i, b3i = d02i + d13r;
                yr[yrO + y1 + c] = b1r * w1r - b1i * w1i;
                yi[yiO + y1 + c] = b1r * w1i + b1i * w1r;
                yr[yrO + y2 + c] = b2r * w2r - b2i * w2i;
                yi[yiO + y2 + c] = b2r * w2i + b2i * w2r;
                yr[yrO + y3 + c] = b3r * w3r - b3i * w3i;
                yi[yiO + y3 + c] = b3r * w3i + b3i * w3r;
            }
        }
    }

    private static final float SIN60 = (float) (Math.sqrt(3.0) / 2.0);

    private static void radix3(Stage st, int batch, float[] xr, int xrO, float[] xi, int xiO,
                               float[] yr, int yrO, float[] yi, int yiO) {
        final int m = st.sub, w = st.stride * batch, vb = SPECIES.loopBound(w);
        final float[] twr = st.twRe, twi = st.twIm;
        var vh = FloatVector.broadcast(SPECIES, 0.5f);
        var vs = FloatVector.broadcast(SPECIES, SIN60);
        for (int j = 0; j < m; j++) {
            float w1r = twr[3 * j + 1], w1i = twi[3 * j + 1];
            float w2r = twr[3 * j + 2], w2i = twi[3 * j + 2];
            int x0 = j * w, x1 = (j + m) * w, x2 = (j + 2 * m) * w;
            int y0 = 3 * j * w, y1 = y0 + w, y2 = y1 + w;
            var v1r = FloatVector.broadcast(SPECIES, w1r);
            var v1i = FloatVector.broadcast(SPECIES, w1i);
            var v2r = FloatVector.broadcast(SPECIES, w2r);
            var v2i = FloatVector.broadcast(SPECIES, w2i);
            int c = 0;
            for (; c < vb; c += LANES) {
                var a0r = FloatVector.fromArray(SPECIES, xr, xrO + x0 + c);
                var a0i = FloatVector.fromArray(SPECIES, xi, xiO + x0 + c);
                var a1r = FloatVector.fromArray(SPECIES, xr, xrO + x1 + c);
                var a1i = FloatVector.fromArray(SPECIES, xi, xiO + x1 + c);
                var a2r = FloatVector.fromArray(SPECIES, xr, xrO + x2 + c);
                var a2i = FloatVector.fromArray(SPECIES, xi, xiO + x2 + c);
                var sr = a1r.add(a2r);
                var si = a1i.add(a2i);
                var dr = a1r.sub(a2r).mul(vs);
                var di = a1i.sub(a2i).mul(vs);
                a0r.add(sr).intoArray(yr, yrO + y0 + c);
                a0i.add(si).intoArray(yi, yiO + y0 + c);
                var mr = a0r.sub(sr.mul(vh));
                var mi = a0i.sub(si.mul(vh));
                var b1r = mr.add(di);
                var b1i = mi.sub(dr);
                var b2r = mr.sub(di);
                var b2i = mi.add(dr);
                b1r.mul(v1r).sub(b1i.mul(v1i)).intoArray(yr, yrO + y1 + c);
                b1r.mul(v1i).add(b1i.mul(v1r)).intoArray(yi, yiO + y1 + c);
                b2r.mul(v2r).sub(b2i.mul(v2i)).intoArray(yr, yrO + y2 + c);
                b2r.mul(v2i).add(b2i.mul(v2r)).intoArray(yi, yiO + y2 + c);
            }
            for (; c < w; c++) {
                float a0r = xr[xrO + x0 + c], a0i = xi[xiO + x0 + c];
                float a1r = xr[xrO + x1 + c], a1i = xi[xiO + x1 + c];
                float a2r = xr[xrO + x2 + c], a2i = xi[xiO + x2 + c];
                float sr = a1r + a2r, si = a1i + a2i;
                float dr = (a1r - a2r) * SIN60, di = (a1i - a2i) * SIN60;
                yr[yrO + y0 + c] = a0r + sr;
                yi[yiO + y0 + c] = a0i + si;
                float mr = a0r - 0.5f * sr, mi = a0i - 0.5f * si;
                float b1r = mr + di, b1i = mi - dr, b2r = mr - di, b2i = mi + dr;
                yr[yrO + y1 + c] = b1r * w1r - b1i * w1i;
                yi[yiO + y1 + c] = b1r * w1i + b1i * w1r;
                yr[yrO + y2 + c] = b2r * w2r - b2i * w2i;
                yi[yiO + y2 + c] = b2r * w2i + b2i * w2r;
            }
        }
    }

    private static final float C1 = (float) StrictMath.cos(2 * Math.PI / 5), C2 = (float) StrictMath.cos(4 * Math.PI / 5);
    private static final float S1 = (float) StrictMath.sin(2 * Math.PI / 5), S2 = (float) StrictMath.sin(4 * Math.PI / 5);

    private static void radix5(Stage st, int batch, float[] xr, int xrO, float[] xi, int xiO,
                               float[] yr, int yrO, float[] yi, int yiO) {
        final int m = st.sub, w = st.stride * batch, vb = SPECIES.loopBound(w);
        final float[] twr = st.twRe, twi = st.twIm;
        var vc1 = FloatVector.broadcast(SPECIES, C1);
        var vc2 = FloatVector.broadcast(SPECIES, C2);
        var vs1 = FloatVector.broadcast(SPECIES, S1);
        var vs2 = FloatVector.broadcast(SPECIES, S2);
        for (int j = 0; j < m; j++) {
            int x0 = j * w, x1 = (j + m) * w, x2 = (j + 2 * m) * w, x3 = (j + 3 * m) * w, x4 = (j + 4 * m) * w;
            int y0 = 5 * j * w;
            var v1r = FloatVector.broadcast(SPECIES, twr[5 * j + 1]);
            var v1i = FloatVector.broadcast(SPECIES, twi[5 * j + 1]);
            var v2r = FloatVector.broadcast(SPECIES, twr[5 * j + 2]);
            var v2i = FloatVector.broadcast(SPECIES, twi[5 * j + 2]);
            var v3r = FloatVector.broadcast(SPECIES, twr[5 * j + 3]);
            var v3i = FloatVector.broadcast(SPECIES, twi[5 * j + 3]);
            var v4r = FloatVector.broadcast(SPECIES, twr[5 * j + 4]);
            var v4i = FloatVector.broadcast(SPECIES, twi[5 * j + 4]);
            int c = 0;
            for (; c < vb; c += LANES) {
                var a0r = FloatVector.fromArray(SPECIES, xr, xrO + x0 + c);
                var a0i = FloatVector.fromArray(SPECIES, xi, xiO + x0 + c);
                var a1r = FloatVector.fromArray(SPECIES, xr, xrO + x1 + c);
                var a1i = FloatVector.fromArray(SPECIES, xi, xiO + x1 + c);
                var a2r = FloatVector.fromArray(SPECIES, xr, xrO + x2 + c);
                var a2i = FloatVector.fromArray(SPECIES, xi, xiO + x2 + c);
                var a3r = FloatVector.fromArray(SPECIES, xr, xrO + x3 + c);
                var a3i = FloatVector.fromArray(SPECIES, xi, xiO + x3 + c);
                var a4r = FloatVector.fromArray(SPECIES, xr, xrO + x4 + c);
                var a4i = FloatVector.fromArray(SPECIES, xi, xiO + x4 + c);
                var p1r = a1r.add(a4r);
                var p1i = a1i.add(a4i);
                var q1r = a1r.sub(a4r);
                var q1i = a1i.sub(a4i);
                var p2r = a2r.add(a3r);
                var p2i = a2i.add(a3i);
                var q2r = a2r.sub(a3r);
                var q2i = a2i.sub(a3i);
                a0r.add(p1r).add(p2r).intoArray(yr, yrO + y0 + c);
                a0i.add(p1i).add(p2i).intoArray(yi, yiO + y0 + c);
                var m1r = a0r.add(p1r.mul(vc1)).add(p2r.mul(vc2));
                var m1i = a0i.add(p1i.mul(vc1)).add(p2i.mul(vc2));
                var m2r = a0r.add(p1r.mul(vc2)).add(p2r.mul(vc1));
                var m2i = a0i.add(p1i.mul(vc2)).add(p2i.mul(vc1));
                var t1r = q1r.mul(vs1).add(q2r.mul(vs2));
                var t1i = q1i.mul(vs1).add(q2i.mul(vs2));
                var t2r = q1r.mul(vs2).sub(q2r.mul(vs1));
                var t2i = q1i.mul(vs2).sub(q2i.mul(vs1));
                // y1 = m1 - i t1, y4 = m1 + i t1, y2 = m2 - i t2, y3 = m2 + i t2
                var b1r = m1r.add(t1i);
                var b1i = m1i.sub(t1r);
                var b4r = m1r.sub(t1i);
                var b4i = m1i.add(t1r);
                var b2r = m2r.add(t2i);
                var b2i = m2i.sub(t2r);
                var b3r = m2r.sub(t2i);
                var b3i = m2i.add(t2r);
                b1r.mul(v1r).sub(b1i.mul(v1i)).intoArray(yr, yrO + y0 + w + c);
                b1r.mul(v1i).add(b1i.mul(v1r)).intoArray(yi, yiO + y0 + w + c);
                b2r.mul(v2r).sub(b2i.mul(v2i)).intoArray(yr, yrO + y0 + 2 * w + c);
                b2r.mul(v2i).add(b2i.mul(v2r)).intoArray(yi, yiO + y0 + 2 * w + c);
                b3r.mul(v3r).sub(b3i.mul(v3i)).intoArray(yr, yrO + y0 + 3 * w + c);
                b3r.mul(v3i).add(b3i.mul(v3r)).intoArray(yi, yiO + y0 + 3 * w + c);
                b4r.mul(v4r).sub(b4i.mul(v4i)).intoArray(yr, yrO + y0 + 4 * w + c);
                b4r.mul(v4i).add(b4i.mul(v4r)).intoArray(yi, yiO + y0 + 4 * w + c);
            }
            for (; c < w; c++) {
                float a0r = xr[xrO + x0 + c], a0i = xi[xiO + x0 + c];
                float a1r = xr[xrO + x1 + c], a1i = xi[xiO + x1 + c];
                float a2r = xr[xrO + x2 + c], a2i = xi[xiO + x2 + c];
                float a3r = xr[xrO + x3 + c], a3i = xi[xiO + x3 + c];
                float a4r = xr[xrO + x4 + c], a4i = xi[xiO + x4 + c];
                float p1r = a1r + a4r, p1i = a1i + a4i, q1r = a1r - a4r, q1i = a1i - a4i;
                float p2r = a2r + a3r, p2i = a2i + a3i, q2r = a2r - a3r, q2i = a2i - a3i;
                yr[yrO + y0 + c] = a0r + p1r + p2r;
                yi[yiO + y0 + c] = a0i + p1i + p2i;
                float m1r = a0r + p1r * C1 + p2r * C2, m1i = a0i + p1i * C1 + p2i * C2;
                float m2r = a0r + p1r * C2 + p2r * C1, m2i = a0i + p1i * C2 + p2i * C1;
                float t1r = q1r * S1 + q2r * S2, t1i = q1i * S1 + q2i * S2;
                float t2r = q1r * S2 - q2r * S1, t2i = q1i * S2 - q2i * S1;
                twiddleStore(m1r + t1i, m1i - t1r, twr[5 * j + 1], twi[5 * j + 1], yr, yrO + y0 + w + c, yi, yiO + y0 + w + c);
                twiddleStore(m2r + t2i, m2i - t2r, twr[5 * j + 2], twi[5 * j + 2], yr, yrO + y0 + 2 * w + c, yi, yiO + y0 + 2 * w + c);
                twiddleStore(m2r - t2i, m2i + t2r, twr[5 * j + 3], twi[5 * j + 3], yr, yrO + y0 + 3 * w + c, yi, yiO + y0 + 3 * w + c);
                twiddleStore(m1r - t1i, m1i + t1r, twr[5 * j + 4], twi[5 * j + 4], yr, yrO + y0 + 4 * w + c, yi, yiO + y0 + 4 * w + c);
            }
        }
    }

    private static void twiddleStore(float br, float bi, float wr, float wi, float[] yr, int yrIdx, float[] yi, int yiIdx) {
        yr[yrIdx] = br * wr - bi * wi;
        yi[yiIdx] = br * wi + bi * wr;
    }

    /** Generic odd radix p: O(p^2) complex multiply-adds per output group (p = 7, 11, 13, or a small prime n). */
    private static void radixGeneric(Stage st, int batch, float[] xr, int xrO, float[] xi, int xiO,
                                     float[] yr, int yrO, float[] yi, int yiO) {
        final int p = st.radix, m = st.sub, w = st.stride * batch, vb = SPECIES.loopBound(w);
        final float[] rr = st.rootRe, ri = st.rootIm;
        for (int j = 0; j < m; j++) {
            for (int t = 0; t < p; t++) {
                float wr = st.twRe[j * p + t], wi = st.twIm[j * p + t];
                var vwr = FloatVector.broadcast(SPECIES, wr);
                var vwi = FloatVector.broadcast(SPECIES, wi);
                int y = (p * j + t) * w;
                int c = 0;
                for (; c < vb; c += LANES) {
                    var accR = FloatVector.fromArray(SPECIES, xr, xrO + j * w + c);
                    var accI = FloatVector.fromArray(SPECIES, xi, xiO + j * w + c);
                    for (int u = 1; u < p; u++) {
                        int q = (u * t) % p;
                        var ar = FloatVector.fromArray(SPECIES, xr, xrO + (j + u * m) * w + c);
                        var ai = FloatVector.fromArray(SPECIES, xi, xiO + (j + u * m) * w + c);
                        float cr = rr[q], ci = ri[q];
                        accR = accR.add(ar.mul(cr)).sub(ai.mul(ci));
                        accI = accI.add(ar.mul(ci)).add(ai.mul(cr));
                    }
                    accR.mul(vwr).sub(accI.mul(vwi)).intoArray(yr, yrO + y + c);
                    accR.mul(vwi).add(accI.mul(vwr)).intoArray(yi, yiO + y + c);
                }
                for (; c < w; c++) {
                    float accR = xr[xrO + j * w + c], accI = xi[xiO + j * w + c];
                    for (int u = 1; u < p; u++) {
                        int q = (u * t) % p;
                        float ar = xr[xrO + (j + u * m) * w + c], ai = xi[xiO + (j + u * m) * w + c];
                        accR += ar * rr[q] - ai * ri[q];
                        accI += ar * ri[q] + ai * rr[q];
                    }
                    yr[yrO + y + c] = accR * wr - accI * wi;
                    yi[yiO + y + c] = accR * wi + accI * wr;
                }
            }
        }
    }

    // ---------------------------------------------------------------- Bluestein

    private void bluestein(float[] re, int reOff, float[] im, int imOff, int batch, float[] sc, int scOff) {
        final int mb = m * batch, nb = n * batch, vb = SPECIES.loopBound(batch);
        final int aRe = scOff, aIm = scOff + mb, innerOff = scOff + 2 * mb;
        // a[j] = x[j] * c[j], zero padded to m
        for (int j = 0; j < n; j++) {
            float cr = chirpRe[j], ci = chirpIm[j];
            int src = j * batch, dst = j * batch;
            int b = 0;
            for (; b < vb; b += LANES) {
                var xr = FloatVector.fromArray(SPECIES, re, reOff + src + b);
                var xi = FloatVector.fromArray(SPECIES, im, imOff + src + b);
                xr.mul(cr).sub(xi.mul(ci)).intoArray(sc, aRe + dst + b);
                xr.mul(ci).add(xi.mul(cr)).intoArray(sc, aIm + dst + b);
            }
            for (; b < batch; b++) {
                float xr = re[reOff + src + b], xi = im[imOff + src + b];
                sc[aRe + dst + b] = xr * cr - xi * ci;
                sc[aIm + dst + b] = xr * ci + xi * cr;
            }
        }
        java.util.Arrays.fill(sc, aRe + nb, aRe + mb, 0f);
        java.util.Arrays.fill(sc, aIm + nb, aIm + mb, 0f);
        inner.transform(sc, aRe, sc, aIm, batch, sc, innerOff);
        // a = conj(A * F / m)  (inverse FFT via conjugation)
        for (int k = 0; k < m; k++) {
            float fr = filterRe[k], fi = filterIm[k];
            int o = k * batch;
            int b = 0;
            for (; b < vb; b += LANES) {
                var ar = FloatVector.fromArray(SPECIES, sc, aRe + o + b);
                var ai = FloatVector.fromArray(SPECIES, sc, aIm + o + b);
                ar.mul(fr).sub(ai.mul(fi)).intoArray(sc, aRe + o + b);
                ar.mul(fi).add(ai.mul(fr)).neg().intoArray(sc, aIm + o + b);
            }
            for (; b < batch; b++) {
                float ar = sc[aRe + o + b], ai = sc[aIm + o + b];
                sc[aRe + o + b] = ar * fr - ai * fi;
                sc[aIm + o + b] = -(ar * fi + ai * fr);
            }
        }
        inner.transform(sc, aRe, sc, aIm, batch, sc, innerOff);
        // X[k] = c[k] * conj(Q[k])
        for (int k = 0; k < n; k++) {
            float cr = chirpRe[k], ci = chirpIm[k];
            int o = k * batch;
            int b = 0;
            for (; b < vb; b += LANES) {
                var qr = FloatVector.fromArray(SPECIES, sc, aRe + o + b);
                var qi = FloatVector.fromArray(SPECIES, sc, aIm + o + b).neg();
                qr.mul(cr).sub(qi.mul(ci)).intoArray(re, reOff + o + b);
                qr.mul(ci).add(qi.mul(cr)).intoArray(im, imOff + o + b);
            }
            for (; b < batch; b++) {
                float qr = sc[aRe + o + b], qi = -sc[aIm + o + b];
                re[reOff + o + b] = qr * cr - qi * ci;
                im[imOff + o + b] = qr * ci + qi * cr;
            }
        }
    }

    // ---------------------------------------------------------------- planning helpers

    private static Stage[] plan(int n) {
        int[] radices = factor(n);
        Stage[] st = new Stage[radices.length];
        int len = n, stride = 1;
        for (int i = 0; i < radices.length; i++) {
            int p = radices[i];
            st[i] = new Stage(p, len / p, stride, n);
            len /= p;
            stride *= p;
        }
        return st;
    }

    /** Radices in stage order: 4s, then a 2, then 3, 5, then remaining primes ascending. Empty for n = 1. */
    static int[] factor(int n) {
        int[] out = new int[32];
        int cnt = 0;
        int r = n;
        while (r % 4 == 0) {
            out[cnt++] = 4;
            r /= 4;
        }
        if (r % 2 == 0) {
            out[cnt++] = 2;
            r /= 2;
        }
        for (int p = 3; (long) p * p <= r; p += 2) {
            while (r % p == 0) {
                out[cnt++] = p;
                r /= p;
            }
        }
        if (r > 1) {
            out[cnt++] = r;
        }
        return java.util.Arrays.copyOf(out, cnt);
    }

    static int largestPrimeFactor(int n) {
        int[] f = factor(n);
        int max = 1;
        for (int p : f) {
            max = Math.max(max, p == 4 ? 2 : p);
        }
        return max;
    }

    /** In-place double-precision radix-2 FFT (length a power of two), used only when planning Bluestein. */
    private static void fftDouble(double[] re, double[] im) {
        int len = re.length;
        for (int i = 1, j = 0; i < len; i++) {
            int bit = len >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int size = 2; size <= len; size <<= 1) {
            int half = size >> 1, step = len / size;
            for (int k = 0; k < half; k++) {
                double ang = -2.0 * Math.PI * (k * step) / len;
                double wr = StrictMath.cos(ang), wi = StrictMath.sin(ang);
                for (int s = k; s < len; s += size) {
                    int t = s + half;
                    double xr = re[t] * wr - im[t] * wi;
                    double xi = re[t] * wi + im[t] * wr;
                    re[t] = re[s] - xr;
                    im[t] = im[s] - xi;
                    re[s] += xr;
                    im[s] += xi;
                }
            }
        }
    }
}
