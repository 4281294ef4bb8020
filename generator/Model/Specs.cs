namespace StaticRnn.Generator.Model;

/// <summary>One weight array: Keras name and shape, its place in the flat parameter buffer, and its initializer.</summary>
internal sealed record WeightSpec(string Name, EquatableArray<int> Shape, int Offset, int Length, WeightInit Init)
{
    /// <summary>Keras <c>compute_fans</c>: the fan-in of this shape (dimensions before the last two count as a receptive field).</summary>
    public int FanIn => Shape.Count switch
    {
        0 => 1,
        1 => Shape[0],
        2 => Shape[0],
        _ => Shape[Shape.Count - 2] * Receptive,
    };

    /// <summary>Keras <c>compute_fans</c>: the fan-out of this shape.</summary>
    public int FanOut => Shape.Count switch
    {
        0 => 1,
        1 => Shape[0],
        _ => Shape[Shape.Count - 1] * Receptive,
    };

    private int Receptive
    {
        get
        {
            int r = 1;
            for (int i = 0; i < Shape.Count - 2; i++)
            {
                r *= Shape[i];
            }
            return r;
        }
    }
}

/// <summary>The <c>[Sequential]</c> attribute and its layers as written: specs with their arguments, before shape inference.</summary>
internal sealed record NetworkDecl(
    string ClassName,
    EquatableArray<int> InputShape,
    int ExpectedParameters,
    LossKind Loss,
    int Seed,
    bool Stateful,
    EquatableArray<LayerSpec> Layers);

/// <summary>A whole network after shape inference: every layer spec carries its shapes, names, weights and offsets.</summary>
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

    /// <summary>About how many multiply-adds one sample's forward pass spends in matrix products (see <see cref="LayerSpec.MultiplyAdds"/>).</summary>
    public long MultiplyAdds
    {
        get
        {
            long sum = 0;
            foreach (LayerSpec layer in Layers)
            {
                sum += layer.MultiplyAdds;
            }
            return sum;
        }
    }

    /// <summary>Whether the input is token ids (the first layer looks tokens up).</summary>
    public bool TakesTokens => Layers.Count > 0 && Layers[0].TakesTokens;

    /// <summary>Vocabulary size of a token network, else 0.</summary>
    public int Vocabulary => TakesTokens ? Layers[0].Vocabulary : 0;

    /// <summary>Whether the output carries a padding mask: its padded steps leave the loss (Keras <c>mask_zero</c>).</summary>
    public bool OutputMasked => Layers.Count > 0 && Layers[Layers.Count - 1].OutputMasked;

    /// <summary>Whether any layer makes a padding mask.</summary>
    public bool Masked
    {
        get
        {
            foreach (LayerSpec layer in Layers)
            {
                if (layer.ProducesMask)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Whether any layer draws random numbers in training (dropout).</summary>
    public bool UsesRandom
    {
        get
        {
            foreach (LayerSpec layer in Layers)
            {
                if (layer.UsesRandom)
                {
                    return true;
                }
            }
            return false;
        }
    }

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
