using System.Numerics;

namespace StaticRnn;

/// <summary>An optimizer updates a network's flat parameter buffer from a gradient of the same layout.</summary>
public interface IOptimizer
{
    /// <summary>The learning rate of the next step.</summary>
    float LearningRate { get; set; }
    /// <summary>Steps applied so far (Keras <c>optimizer.iterations</c>).</summary>
    long Iterations { get; }
    /// <summary>Applies one step: <paramref name="parameters"/> -= update(<paramref name="gradients"/>).</summary>
    void Apply(Span<float> parameters, ReadOnlySpan<float> gradients);
}

/// <summary>
/// Shared plumbing: argument checks and per-parameter state (moments) allocated on the first step. An optimizer
/// instance belongs to one network, as in Keras; using it with a buffer of another size throws.
/// </summary>
public abstract class Optimizer : IOptimizer
{
    private int _size = -1;

    /// <summary>Creates an optimizer with the given learning rate.</summary>
    protected Optimizer(float learningRate)
    {
        LearningRate = CheckedLearningRate(learningRate, nameof(learningRate));
    }

    /// <inheritdoc/>
    public float LearningRate
    {
        get;
        set
        {
            field = CheckedLearningRate(value, nameof(LearningRate));
        }
    }

    /// <inheritdoc/>
    public long Iterations { get; private set; }

    /// <summary>Keras <c>clipnorm</c>: each weight array's gradient scaled to an L2 norm of at most this (needs the layout; generated networks pass it).</summary>
    public float? ClipNorm { get => _clipNorm; set => _clipNorm = Clip(value, nameof(ClipNorm)); }

    /// <summary>Keras <c>global_clipnorm</c>: the whole gradient scaled to an L2 norm of at most this.</summary>
    public float? GlobalClipNorm { get => _globalClipNorm; set => _globalClipNorm = Clip(value, nameof(GlobalClipNorm)); }

    /// <summary>Keras <c>clipvalue</c>: each gradient value clipped to [-v, v] (when neither norm is set, as in Keras).</summary>
    public float? ClipValue { get => _clipValue; set => _clipValue = Clip(value, nameof(ClipValue)); }

    private float? _clipNorm, _globalClipNorm, _clipValue;
    private float[] _clipped = [];

    private static float CheckedLearningRate(float value, string name)
        => value > 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "The learning rate must be a positive finite number.");

    private static float? Clip(float? value, string name)
        => value is null or (> 0 and < float.PositiveInfinity) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number (or null for none).");

    /// <summary>
    /// The step of a generated network: <paramref name="optimizer"/>'s <c>Apply</c>, with the weight arrays'
    /// <paramref name="layout"/> for <see cref="ClipNorm"/> when it is an <see cref="Optimizer"/>.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static void Apply(IOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, IReadOnlyList<WeightInfo> layout)
    {
        if (optimizer is Optimizer o)
        {
            o.Apply(parameters, gradients, layout);
        }
        else
        {
            optimizer.Apply(parameters, gradients);
        }
    }

    /// <inheritdoc/>
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradients) => Apply(parameters, gradients, null);

    /// <summary>One step, the gradient clipped first as <see cref="ClipNorm"/> (per array of <paramref name="layout"/>), <see cref="GlobalClipNorm"/> or <see cref="ClipValue"/> say.</summary>
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradients, IReadOnlyList<WeightInfo>? layout)
    {
        if (_clipNorm is not null && _globalClipNorm is not null)
        {
            throw new InvalidOperationException("Only one of ClipNorm and GlobalClipNorm can be set, as in Keras.");
        }
        if (_clipNorm is not null && layout is null)
        {
            throw new InvalidOperationException("ClipNorm clips each weight array's gradient: call Apply with the weight layout (a generated network's TrainStep does).");
        }
        if (parameters.Length != gradients.Length)
        {
            throw new ArgumentException($"gradients has {gradients.Length} elements; expected {parameters.Length}, one per parameter.", nameof(gradients));
        }
        if (_size < 0)
        {
            _size = parameters.Length;
            AllocateState(parameters.Length);
        }
        else if (_size != parameters.Length)
        {
            throw new InvalidOperationException($"This optimizer holds state for {_size} parameters and cannot step a buffer of {parameters.Length}; use one optimizer per network.");
        }
        if (_clipNorm is not null || _globalClipNorm is not null || _clipValue is not null)
        {
            if (_clipped.Length != gradients.Length)
            {
                _clipped = new float[gradients.Length];
            }
            gradients.CopyTo(_clipped);
            ClipGradients(_clipped, layout);
            gradients = _clipped;
        }
        Iterations++;
        Update(parameters, gradients, Iterations);
    }

    /// <summary>Keras 3's <c>_clip_gradients</c>: g·c / max(‖g‖, c) per array or over all, else values clipped to [-v, v].</summary>
    private void ClipGradients(Span<float> g, IReadOnlyList<WeightInfo>? layout)
    {
        static void ByNorm(Span<float> values, float clip)
        {
            double sum = 0;
            foreach (float v in values)
            {
                sum += (double)v * v;
            }
            double norm = Math.Sqrt(sum);
            if (norm > clip)
            {
                float scale = (float)(clip / norm);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] *= scale;
                }
            }
        }
        if (_clipNorm is { } c)
        {
            foreach (WeightInfo w in layout!)
            {
                ByNorm(g.Slice(w.Offset, w.Length), c);
            }
        }
        else if (_globalClipNorm is { } gc)
        {
            ByNorm(g, gc);
        }
        else if (_clipValue is { } v)
        {
            for (int i = 0; i < g.Length; i++)
            {
                g[i] = Math.Clamp(g[i], -v, v);
            }
        }
    }

    /// <summary>Allocates per-parameter state for <paramref name="length"/> parameters.</summary>
    protected abstract void AllocateState(int length);

    /// <summary>
    /// The per-parameter slots (Keras's optimizer variables: Adam's m and v, ...) in a fixed order, empty before the
    /// first step; what a checkpoint saves besides the iterations and the learning rate. An optimizer with state must
    /// list it here for checkpoints to resume it.
    /// </summary>
    protected virtual IReadOnlyList<float[]> Slots => [];

    /// <summary>Parameters the state is for, or -1 before the first step.</summary>
    internal int StateSize => _size;

    /// <summary>The slots, for a checkpoint.</summary>
    internal IReadOnlyList<float[]> StateSlots => Slots;

    /// <summary>Throws unless a checkpoint's <paramref name="count"/> slots are as many as this optimizer keeps (allocating them to see).</summary>
    internal void CheckSlots(int count, string path)
    {
        // Slots exist only once allocated: before the first step, count them on a copy given one parameter's worth.
        int own = _size >= 0 ? Slots.Count : ExpectedSlots();
        if (own != count)
        {
            throw new InvalidDataException($"'{path}' holds {count} optimizer slots; this {GetType().Name} keeps {own} (another momentum setting?).");
        }
    }

    private int ExpectedSlots()
    {
        var probe = (Optimizer)MemberwiseClone();
        probe.AllocateState(1);
        return probe.Slots.Count;
    }

    /// <summary>Puts back a checkpoint's state: iterations, learning rate and every slot (checked by the caller).</summary>
    internal void Restore(long iterations, float learningRate, int size, IReadOnlyList<float[]> slots)
    {
        if (_size >= 0 && _size != size)
        {
            throw new InvalidOperationException($"This optimizer holds state for {_size} parameters; the checkpoint's is for {size}.");
        }
        if (_size < 0)
        {
            _size = size;
            AllocateState(size);
        }
        IReadOnlyList<float[]> own = Slots;
        for (int i = 0; i < own.Count; i++)
        {
            slots[i].CopyTo(own[i], 0);
        }
        Iterations = iterations;
        LearningRate = learningRate;
    }

    /// <summary>Applies step number <paramref name="step"/> (1-based).</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step);

    /// <summary>Vector width used by the update loops.</summary>
    protected static int Width => Vector<float>.Count;
}
