namespace StaticRnn.Generator.Model;

/// <summary>One weight array: Keras name and shape, and its place in the flat parameter buffer.</summary>
internal sealed record WeightSpec(string Name, EquatableArray<int> Shape, int Offset, int Length, WeightRole Role);

/// <summary>
/// A layer after shape inference: everything the emitters and the analyzers need, precomputed, so that
/// neither does shape arithmetic of its own.
/// </summary>
internal sealed record LayerSpec(
    LayerDecl Decl,
    string Name,
    string KerasType,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    int ParamOffset,
    int ParamCount,
    EquatableArray<WeightSpec> Weights,
    bool Unrolled)
{
    public LayerKind Kind => Decl.Kind;
    public int Position => Decl.Index;

    /// <summary>Size of the last input axis.</summary>
    public int InputFeatures => InputShape[InputShape.Count - 1];

    /// <summary>Size of the last output axis.</summary>
    public int OutputFeatures => OutputShape[OutputShape.Count - 1];

    /// <summary>Time steps of the input (1 for a vector input).</summary>
    public int InputSteps => InputShape.Count == 2 ? InputShape[0] : 1;

    /// <summary>Rows of the output: time steps of a sequence output, else 1.</summary>
    public int OutputRows => OutputShape.Count == 2 ? OutputShape[0] : 1;

    public WeightSpec Weight(WeightRole role)
    {
        foreach (WeightSpec w in Weights)
        {
            if (w.Role == role)
            {
                return w;
            }
        }
        throw new System.InvalidOperationException($"{Name} has no {role}.");
    }

    public bool HasBias => Decl.UseBias;

    /// <summary>Gates of a recurrent layer, each <c>units</c> columns of its kernels: LSTM 4, GRU 3, SimpleRNN 1.</summary>
    public int Gates => Kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, _ => 1 };
}

/// <summary>A whole network after shape inference.</summary>
internal sealed record NetworkSpec(
    string ClassName,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    int ParameterCount,
    LossKind Loss,
    int Seed,
    bool Stateful,
    EquatableArray<LayerSpec> Layers)
{
    public int InputSize => Product(InputShape);
    public int OutputSize => Product(OutputShape);

    /// <summary>Whether the input is token ids (the first layer is an Embedding).</summary>
    public bool TakesTokens => Layers.Count > 0 && Layers[0].Kind == LayerKind.Embedding;

    /// <summary>Vocabulary size of a token network (the Embedding's input dimension), else 0.</summary>
    public int Vocabulary => TakesTokens ? Layers[0].Weights[0].Shape[0] : 0;

    /// <summary>Classes per output row (the last output axis).</summary>
    public int Classes => OutputShape[OutputShape.Count - 1];

    /// <summary>Rows of the output: time steps of a sequence output, else 1.</summary>
    public int OutputRows => OutputSize / Classes;

    /// <summary>Floats per target sample: one class index per row for the sparse loss, else one per output.</summary>
    public int TargetSize => Loss == LossKind.SparseCategoricalCrossentropy ? OutputRows : OutputSize;

    public static int Product(EquatableArray<int> shape)
    {
        int p = 1;
        foreach (int d in shape)
        {
            p *= d;
        }
        return p;
    }
}
