namespace StaticRnn;

/// <summary>A metric that <c>Fit</c> reports beside the loss, per epoch, under its Keras key (and <c>val_</c> + key).</summary>
public enum Metric
{
    /// <summary>
    /// Keras <c>"accuracy"</c>, resolved from the shapes as Keras resolves it: one output per row gives binary accuracy,
    /// class-index targets sparse categorical accuracy, targets shaped like the outputs categorical accuracy (argmax
    /// against argmax).
    /// </summary>
    Accuracy,
    /// <summary>Keras <c>"binary_accuracy"</c>: the share of outputs on the target's side of 0.5 (targets 0 or 1).</summary>
    BinaryAccuracy,
    /// <summary>Keras <c>"sparse_categorical_accuracy"</c>: the share of rows whose most probable class is the target class index.</summary>
    SparseCategoricalAccuracy,
    /// <summary>Keras <c>"mae"</c>: the mean of |output - target| over every output.</summary>
    MeanAbsoluteError,
}

/// <summary>
/// How a model's outputs and targets line up for metrics: <paramref name="Rows"/> rows of <paramref name="Classes"/>
/// outputs per sample; targets are one class index per row (<paramref name="SparseTargets"/>) or one value per output;
/// with <paramref name="PaddingTargets"/> a target class 0 is padding and its row does not count.
/// </summary>
internal readonly record struct MetricLayout(int Rows, int Classes, bool SparseTargets, bool PaddingTargets);

/// <summary>Running totals of the requested metrics over the batches of one epoch (or of the validation samples).</summary>
internal sealed class MetricSet
{
    private enum Kind { Binary, Sparse, Categorical, MeanAbsolute }

    private readonly Kind[] _kinds;
    private readonly double[] _sums, _counts;

    public MetricSet(IReadOnlyList<Metric> metrics, MetricLayout layout)
    {
        Layout = layout;
        _kinds = new Kind[metrics.Count];
        var names = new string[metrics.Count];
        for (int i = 0; i < metrics.Count; i++)
        {
            (names[i], _kinds[i]) = Resolve(metrics[i], layout);
            if (Array.IndexOf(names, names[i], 0, i) >= 0)
            {
                throw new ArgumentException($"metrics lists '{names[i]}' twice.", nameof(metrics));
            }
        }
        Names = names;
        _sums = new double[metrics.Count];
        _counts = new double[metrics.Count];
    }

    /// <summary>The Keras keys of the metrics, in the order asked for.</summary>
    public IReadOnlyList<string> Names { get; }

    public MetricLayout Layout { get; }

    public void Clear()
    {
        Array.Clear(_sums);
        Array.Clear(_counts);
    }

    /// <summary>The metric's mean so far (0 before any row counted).</summary>
    public float Value(int metric) => _counts[metric] == 0 ? 0f : (float)(_sums[metric] / _counts[metric]);

    /// <summary>Adds <paramref name="count"/> samples: their outputs, and their targets as floats.</summary>
    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count)
    {
        int rows = Layout.Rows, classes = Layout.Classes, targetWidth = Layout.SparseTargets ? 1 : classes;
        for (int m = 0; m < _kinds.Length; m++)
        {
            double sum = 0, counted = 0;
            for (int r = 0; r < count * rows; r++)
            {
                ReadOnlySpan<float> y = outputs.Slice(r * classes, classes), t = targets.Slice(r * targetWidth, targetWidth);
                if (Layout.PaddingTargets && t[0] == 0)
                {
                    continue;
                }
                switch (_kinds[m])
                {
                    case Kind.Sparse:
                        sum += Kernels.VectorMath.ArgMax(y) == (int)t[0] ? 1 : 0;
                        counted++;
                        break;
                    case Kind.Categorical:
                        sum += Kernels.VectorMath.ArgMax(y) == Kernels.VectorMath.ArgMax(t) ? 1 : 0;
                        counted++;
                        break;
                    case Kind.Binary:
                        for (int c = 0; c < classes; c++)
                        {
                            sum += (y[c] > 0.5f ? 1f : 0f) == t[c] ? 1 : 0;
                        }
                        counted += classes;
                        break;
                    default:
                        for (int c = 0; c < classes; c++)
                        {
                            sum += Math.Abs((double)y[c] - t[c]);
                        }
                        counted += classes;
                        break;
                }
            }
            _sums[m] += sum;
            _counts[m] += counted;
        }
    }

    /// <summary>Adds <paramref name="count"/> samples whose targets are class indices given as ints.</summary>
    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<int> targets, int count, Span<float> scratch)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            scratch[i] = targets[i];
        }
        Add(outputs, scratch.Slice(0, targets.Length), count);
    }

    private static (string Name, Kind Kind) Resolve(Metric metric, MetricLayout layout) => metric switch
    {
        // Keras compile_utils.get_metric("accuracy", y_true, y_pred): binary when y_pred's last axis is 1, sparse when
        // y_true has one value where y_pred has several, else categorical.
        Metric.Accuracy => ("accuracy", layout.Classes == 1 ? Kind.Binary : layout.SparseTargets ? Kind.Sparse : Kind.Categorical),
        Metric.BinaryAccuracy when !layout.SparseTargets => ("binary_accuracy", Kind.Binary),
        Metric.SparseCategoricalAccuracy when layout.SparseTargets => ("sparse_categorical_accuracy", Kind.Sparse),
        Metric.MeanAbsoluteError when !layout.SparseTargets => ("mae", Kind.MeanAbsolute),
        Metric.BinaryAccuracy or Metric.MeanAbsoluteError => throw new ArgumentException(
            $"Metric.{metric} compares each output with a target of the same shape, but this model's targets are class indices (one per row of {layout.Classes} outputs); use Metric.SparseCategoricalAccuracy or Metric.Accuracy.", "metrics"),
        Metric.SparseCategoricalAccuracy => throw new ArgumentException(
            $"Metric.SparseCategoricalAccuracy needs class-index targets, but this model's targets are shaped like its outputs; use Metric.Accuracy (categorical accuracy for these shapes).", "metrics"),
        _ => throw new ArgumentOutOfRangeException("metrics", metric, "Not a Metric value."),
    };
}
