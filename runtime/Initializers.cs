using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

using StaticRnn.Kernels;

namespace StaticRnn;

/// <summary>Keras default weight initializers over spans of the flat parameter buffer.</summary>
public static class Initializers
{
    /// <summary>Keras <c>glorot_uniform</c>: uniform in ±sqrt(6 / (fanIn + fanOut)).</summary>
    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        Uniform(weights, -limit, limit, random);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>) (Keras <c>RandomUniform</c>; embeddings use ±0.05).</summary>
    public static void Uniform(Span<float> weights, double min, double max, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)random.NextDouble(min, max);
        }
    }

    /// <summary>Fills with a constant (Keras <c>zeros</c>, <c>ones</c>, or LSTM's forget-gate bias of 1).</summary>
    public static void Constant(Span<float> weights, float value) => weights.Fill(value);

    /// <summary>
    /// Keras <c>orthogonal</c> for a row-major (<paramref name="rows"/>, <paramref name="cols"/>) matrix: the Q factor of a
    /// standard normal matrix of shape (max, min), with the signs fixed so that R has a positive diagonal, transposed
    /// when rows &lt; cols. Rows (or columns, whichever are fewer) come out orthonormal.
    /// </summary>
    /// <remarks>
    /// Modified Gram-Schmidt, right-looking: once column k is final it is normalized and its projection removed from
    /// every later column. Each column receives its projections in the order k = 0, 1, ... with the same operations as
    /// the textbook left-looking loop, so the result does not depend on the layout below, only the speed does. Columns
    /// are stored four to a block, interleaved by row, so one Vector256 holds four columns' values at the same row and
    /// four dot products run side by side, lane by lane the scalar arithmetic (multiply, then add; no fused
    /// multiply-add). An Lstm(512)'s (512, 2048) recurrent kernel takes tens of milliseconds instead of seconds.
    /// </remarks>
    public static void Orthogonal(Span<float> weights, int rows, int cols, SeededRandom random, double gain = 1.0)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (weights.Length != rows * cols)
        {
            throw new ArgumentException($"Expected {rows * cols} weights for a ({rows}, {cols}) matrix, got {weights.Length}.", nameof(weights));
        }
        int n = Math.Max(rows, cols), m = Math.Min(rows, cols), blocks = (m + 3) / 4;
        // a[Index(i, j)] is element i of column j; the normals are drawn row by row, as a row-major (n, m) matrix.
        var a = new double[blocks * n * 4];
        int Index(int i, int j) => ((j >> 2) * n + i) * 4 + (j & 3);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                a[Index(i, j)] = random.NextNormal();
            }
        }
        // Column k is normalized, then its projection is removed from every column after it, in k order (modified
        // Gram-Schmidt). The four columns of one block are finished first; their four projections are then removed from
        // each later group of blocks while it is in cache, in the same order for every column as one k at a time, so the
        // same bits, with a quarter of the passes over memory.
        double[][] qs = [new double[n], new double[n], new double[n], new double[n]];
        var work = new ProjectionWork(a, qs, blocks);
        for (int block = 0; block < blocks; block++)
        {
            int end = Math.Min(4 * block + 4, m);
            for (int k = 4 * block; k < end; k++)
            {
                double[] q = qs[k - 4 * block];
                double norm = 0;
                for (int i = 0; i < n; i++) norm += a[Index(i, k)] * a[Index(i, k)];
                norm = Math.Sqrt(norm);
                for (int i = 0; i < n; i++)
                {
                    a[Index(i, k)] /= norm;
                    q[i] = a[Index(i, k)];
                }
                // The rest of column k's own block (padding columns are zeros and stay so).
                for (int j = k + 1; j < end; j++)
                {
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += a[Index(i, j)] * q[i];
                    for (int i = 0; i < n; i++) a[Index(i, j)] -= dot * q[i];
                }
            }
            int first = block + 1, done = end - 4 * block;
            if (blocks - first >= 2 * ParallelBlocks)
            {
                // Blocks are independent: shards of them run on the shard runner's threads, with the same result.
                work.First = first;
                work.Count = done;
                ShardRunner.Run(work, (blocks - first) / ParallelBlocks, default, default, default, default, default);
            }
            else if (first < blocks)
            {
                RemoveProjections(a.AsSpan(first * n * 4), blocks - first, qs, done);
            }
        }
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double value = rows >= cols ? a[Index(r, c)] : a[Index(c, r)];
                weights[r * cols + c] = (float)(gain * value);
            }
        }
    }

    /// <summary>Blocks of four columns per shard when the projection of one column is removed from many (about 64 KiB each at n = 2048).</summary>
    private const int ParallelBlocks = 8;

    /// <summary>Shard s of removing the first Count of qs's projections from blocks First.. of a: its contiguous share of them.</summary>
    private sealed class ProjectionWork(double[] a, double[][] qs, int blocks) : IShardWork
    {
        public int First, Count;

        public void RunShard(int shard, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs)
        {
            int count = blocks - First, shards = count / ParallelBlocks, n = qs[0].Length;
            int from = First + shard * count / shards, to = First + (shard + 1) * count / shards;
            RemoveProjections(a.AsSpan(from * n * 4, (to - from) * n * 4), to - from, qs, Count);
        }
    }

    /// <summary>
    /// The projections of <c>qs[0]</c> … <c>qs[used - 1]</c>, in that order, removed from each column of
    /// <paramref name="count"/> consecutive blocks, four blocks at a time: each group of blocks takes all of them while it
    /// is in cache.
    /// </summary>
    private static void RemoveProjections(Span<double> blocks, int count, double[][] qs, int used)
    {
        int stride = qs[0].Length * 4;
        for (int at = 0; at < count; at += 4)
        {
            int group = Math.Min(4, count - at);
            Span<double> part = blocks.Slice(at * stride, group * stride);
            for (int t = 0; t < used; t++)
            {
                RemoveProjection(part, group, qs[t]);
            }
        }
    }

    /// <summary>
    /// For each column of the <paramref name="count"/> consecutive blocks of four interleaved columns in
    /// <paramref name="blocks"/>: column -= (column · q) q. Four blocks at a time, so that sixteen dot products run as four
    /// independent chains of vector additions.
    /// </summary>
    private static void RemoveProjection(Span<double> blocks, int count, ReadOnlySpan<double> q)
    {
        int n = q.Length, stride = n * 4;
        if (!Vector256.IsHardwareAccelerated)
        {
            for (int column = 0; column < count * 4; column++)
            {
                Span<double> block = blocks.Slice(column / 4 * stride, stride);
                int lane = column % 4;
                double dot = 0;
                for (int i = 0; i < n; i++) dot += block[i * 4 + lane] * q[i];
                for (int i = 0; i < n; i++) block[i * 4 + lane] -= dot * q[i];
            }
            return;
        }
        ref double b = ref MemoryMarshal.GetReference(blocks);
        ref double qr = ref MemoryMarshal.GetReference(q);
        int at = 0;
        for (; at + 4 <= count; at += 4)
        {
            ref double b0 = ref Unsafe.Add(ref b, at * stride);
            ref double b1 = ref Unsafe.Add(ref b0, stride);
            ref double b2 = ref Unsafe.Add(ref b1, stride);
            ref double b3 = ref Unsafe.Add(ref b2, stride);
            Vector256<double> d0 = Vector256<double>.Zero, d1 = d0, d2 = d0, d3 = d0;
            for (int i = 0; i < n; i++)
            {
                var qi = Vector256.Create(Unsafe.Add(ref qr, i));
                nuint o = (nuint)(i * 4);
                d0 += Vector256.LoadUnsafe(ref b0, o) * qi;
                d1 += Vector256.LoadUnsafe(ref b1, o) * qi;
                d2 += Vector256.LoadUnsafe(ref b2, o) * qi;
                d3 += Vector256.LoadUnsafe(ref b3, o) * qi;
            }
            for (int i = 0; i < n; i++)
            {
                var qi = Vector256.Create(Unsafe.Add(ref qr, i));
                nuint o = (nuint)(i * 4);
                (Vector256.LoadUnsafe(ref b0, o) - d0 * qi).StoreUnsafe(ref b0, o);
                (Vector256.LoadUnsafe(ref b1, o) - d1 * qi).StoreUnsafe(ref b1, o);
                (Vector256.LoadUnsafe(ref b2, o) - d2 * qi).StoreUnsafe(ref b2, o);
                (Vector256.LoadUnsafe(ref b3, o) - d3 * qi).StoreUnsafe(ref b3, o);
            }
        }
        for (; at < count; at++)
        {
            ref double b0 = ref Unsafe.Add(ref b, at * stride);
            Vector256<double> d0 = Vector256<double>.Zero;
            for (int i = 0; i < n; i++)
            {
                d0 += Vector256.LoadUnsafe(ref b0, (nuint)(i * 4)) * Vector256.Create(Unsafe.Add(ref qr, i));
            }
            for (int i = 0; i < n; i++)
            {
                (Vector256.LoadUnsafe(ref b0, (nuint)(i * 4)) - d0 * Vector256.Create(Unsafe.Add(ref qr, i))).StoreUnsafe(ref b0, (nuint)(i * 4));
            }
        }
    }
}
