package org.sparsemixer.engine.kernels;

/**
 * A strided window on a float array: element (r, c) is {@code data[offset + r * rowStride + c * colStride]}.
 * Lets activation products (Q x K^T, P x V, seq_kernel x X) read transposes and per-head slices
 * in place instead of copying them.
 */
public record MatrixView(float[] data, int offset, int rows, int cols, int rowStride, int colStride) {

    public MatrixView {
        if (rows < 0 || cols < 0 || offset < 0) {
            throw new IllegalArgumentException("bad view: offset " + offset + ", " + rows + "x" + cols);
        }
        if (rows > 0 && cols > 0) {
            long last = offset + (long) (rows - 1) * rowStride + (long) (cols - 1) * colStride;
            if (last >= data.length || last < 0) {
                throw new IllegalArgumentException("view " + rows + "x" + cols + " at offset " + offset
                        + " with strides (" + rowStride + ", " + colStride + ") overruns an array of " + data.length);
            }
        }
    }

    /** A dense row-major [rows, cols] matrix at {@code offset}. */
    public static MatrixView rowMajor(float[] data, int offset, int rows, int cols) {
        return new MatrixView(data, offset, rows, cols, cols, 1);
    }

    public float get(int r, int c) {
        return data[offset + r * rowStride + c * colStride];
    }

    public MatrixView transpose() {
        return new MatrixView(data, offset, cols, rows, colStride, rowStride);
    }

    public MatrixView rows(int from, int count) {
        return new MatrixView(data, offset + from * rowStride, count, cols, rowStride, colStride);
    }
}
