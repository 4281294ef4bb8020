namespace StaticRnn.Generator.Model;

/// <summary>One layer attribute as written, before shape inference. Plain data with value equality.</summary>
/// <param name="Kind">Which layer.</param>
/// <param name="Index">Position among the class's layer attributes (0-based); problems point back to it.</param>
/// <param name="Args">Constructor arguments in order (units; inputDim, outputDim; rate; ...).</param>
internal sealed record LayerDecl(
    LayerKind Kind,
    int Index,
    EquatableArray<double> Args,
    ActivationKind Activation,
    ActivationKind RecurrentActivation,
    bool UseBias,
    bool ReturnSequences,
    bool GoBackwards,
    bool Bidirectional,
    MergeKind Merge,
    bool ResetAfter,
    string? Name,
    int ExpectedParameters)
{
    public bool IsRecurrent => Kind is LayerKind.SimpleRnn or LayerKind.Lstm or LayerKind.Gru;

    /// <summary>The first constructor argument as an int (units for Dense and the recurrent layers).</summary>
    public int Units => Args.Count > 0 ? (int)Args[0] : 0;
}

/// <summary>The <c>[Sequential]</c> attribute and its layers, as written.</summary>
internal sealed record NetworkDecl(
    string ClassName,
    EquatableArray<int> InputShape,
    int ExpectedParameters,
    LossKind Loss,
    int Seed,
    bool Stateful,
    EquatableArray<LayerDecl> Layers);
