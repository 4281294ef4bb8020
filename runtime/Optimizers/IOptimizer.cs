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
        LearningRate = learningRate;
    }

    /// <inheritdoc/>
    public float LearningRate
    {
        get;
        set
        {
            if (!(value > 0) || !float.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a positive finite number.");
            }
            field = value;
        }
    }

    /// <inheritdoc/>
    public long Iterations { get; private set; }

    /// <inheritdoc/>
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
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
        Iterations++;
        Update(parameters, gradients, Iterations);
    }

    /// <summary>Allocates per-parameter state for <paramref name="length"/> parameters.</summary>
    protected abstract void AllocateState(int length);

    /// <summary>Applies step number <paramref name="step"/> (1-based).</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step);

    /// <summary>Vector width used by the update loops.</summary>
    protected static int Width => Vector<float>.Count;
}
