using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticRnn;

/// <summary>
/// Loss kernels for one output row (one sample, or one time step of a sequence output). Each returns the row's
/// unscaled loss sum and, when a gradient row is given, writes <c>scale · d(loss)/d(prediction)</c> into it, so that
/// a batch's mean loss (Keras <c>sum_over_batch_size</c>) is the sum of the rows times <c>scale</c>.
/// Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does; the gradient is 0 where the clip is active.
/// </summary>
public static class Losses
{
    /// <summary>Keras <c>epsilon()</c>.</summary>
    public const float Epsilon = 1e-7f;

    /// <summary>Σ (p - t)²; gradient <c>2 scale (p - t)</c>.</summary>
    public static float MeanSquaredError(ref float prediction, ref float target, ref float gradient, int length, float scale, bool writeGradient)
    {
        var p = MemoryMarshal.CreateReadOnlySpan(ref prediction, length);
        var t = MemoryMarshal.CreateReadOnlySpan(ref target, length);
        var g = MemoryMarshal.CreateSpan(ref gradient, writeGradient ? length : 0);
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            float d = p[i] - t[i];
            sum += d * d;
            if (writeGradient)
            {
                g[i] = 2f * scale * d;
            }
        }
        return (float)sum;
    }

    /// <summary>Σ -(t log p + (1 - t) log(1 - p)) with p clipped.</summary>
    public static float BinaryCrossentropy(ref float prediction, ref float target, ref float gradient, int length, float scale, bool writeGradient)
    {
        var p = MemoryMarshal.CreateReadOnlySpan(ref prediction, length);
        var t = MemoryMarshal.CreateReadOnlySpan(ref target, length);
        var g = MemoryMarshal.CreateSpan(ref gradient, writeGradient ? length : 0);
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            float pc = Math.Clamp(p[i], Epsilon, 1f - Epsilon);
            sum -= t[i] * Math.Log(pc) + (1 - t[i]) * Math.Log(1 - pc);
            if (writeGradient)
            {
                bool clipped = p[i] < Epsilon || p[i] > 1f - Epsilon;
                g[i] = clipped ? 0f : scale * (-t[i] / pc + (1 - t[i]) / (1 - pc));
            }
        }
        return (float)sum;
    }

    /// <summary>-log p[class] with p clipped; gradient <c>-scale / p[class]</c> at the class, 0 elsewhere.</summary>
    public static float SparseCategoricalCrossentropy(ref float prediction, float targetClass, ref float gradient, int length, float scale, bool writeGradient)
    {
        int c = (int)targetClass;
        float pc = Math.Clamp(Unsafe.Add(ref prediction, c), Epsilon, 1f - Epsilon);
        if (writeGradient)
        {
            var g = MemoryMarshal.CreateSpan(ref gradient, length);
            g.Clear();
            float raw = Unsafe.Add(ref prediction, c);
            g[c] = raw < Epsilon || raw > 1f - Epsilon ? 0f : -scale / pc;
        }
        return -MathF.Log(pc);
    }

    /// <summary>
    /// Keras <c>categorical_crossentropy</c> on probabilities: the row is first scaled to sum 1 (q = p / Σp), then
    /// -Σ t log clip(q). For softmax rows Σp = 1 and this is -Σ t log p. Gradient (unclipped terms):
    /// d/dp_k = (Σ_j t_j - t_k / q_k) / Σp.
    /// </summary>
    public static float CategoricalCrossentropy(ref float prediction, ref float target, ref float gradient, int length, float scale, bool writeGradient)
    {
        var p = MemoryMarshal.CreateReadOnlySpan(ref prediction, length);
        var t = MemoryMarshal.CreateReadOnlySpan(ref target, length);
        var g = MemoryMarshal.CreateSpan(ref gradient, writeGradient ? length : 0);
        double total = 0;
        foreach (float v in p)
        {
            total += v;
        }
        double sum = 0, targetMass = 0;
        for (int i = 0; i < length; i++)
        {
            double q = p[i] / total;
            double qc = Math.Clamp(q, Epsilon, 1.0 - Epsilon);
            sum -= t[i] * Math.Log(qc);
            if (q >= Epsilon && q <= 1.0 - Epsilon)
            {
                targetMass += t[i];
            }
        }
        if (writeGradient)
        {
            for (int i = 0; i < length; i++)
            {
                double q = p[i] / total;
                bool clipped = q < Epsilon || q > 1.0 - Epsilon;
                g[i] = (float)(scale * (targetMass - (clipped ? 0 : t[i] / q)) / total);
            }
        }
        return (float)sum;
    }

    /// <summary>
    /// Checks a batch of targets before any work is done: every value finite; for the sparse loss, every value a
    /// class index in [0, <paramref name="classes"/>). Throws <see cref="ArgumentException"/> naming the first bad element.
    /// </summary>
    public static void ValidateTargets(Loss loss, ReadOnlySpan<float> targets, int classes, string paramName)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            float v = targets[i];
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"targets[{i}] is {v}; targets must be finite numbers.", paramName);
            }
            if (loss == Loss.SparseCategoricalCrossentropy && (v < 0 || v >= classes || v != MathF.Floor(v)))
            {
                throw new ArgumentException($"targets[{i}] is {v}; SparseCategoricalCrossentropy expects class indices in [0, {classes}).", paramName);
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless every value is a class index in [0, <paramref name="classes"/>).</summary>
    public static void ValidateClasses(ReadOnlySpan<int> targets, int classes, string paramName)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            if ((uint)targets[i] >= (uint)classes)
            {
                throw new ArgumentException($"targets[{i}] is {targets[i]}; SparseCategoricalCrossentropy expects class indices in [0, {classes}).", paramName);
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> if any input is NaN or infinite.</summary>
    public static void ValidateInputs(ReadOnlySpan<float> inputs, string paramName)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i]))
            {
                throw new ArgumentException($"inputs[{i}] is {inputs[i]}; inputs must be finite numbers.", paramName);
            }
        }
    }
}
