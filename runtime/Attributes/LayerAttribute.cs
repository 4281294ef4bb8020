namespace StaticRnn;

/// <summary>Properties every layer attribute has.</summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>The layer name; default: the Keras auto-name (<c>dense</c>, <c>dense_1</c>, ...).</summary>
    public string? Name { get; set; }
    /// <summary>When not 0, the analyzer checks this layer's parameter count against it (SRNN004).</summary>
    public int ExpectedParameters { get; set; }
}

/// <summary>Properties of the recurrent layers (SimpleRNN, LSTM, GRU).</summary>
public abstract class RecurrentLayerAttribute(int units) : LayerAttribute
{
    /// <summary>Dimensionality of the hidden state.</summary>
    public int Units { get; } = units;
    /// <summary>Return the hidden state of every time step (shape <c>(timesteps, units)</c>) instead of the last one.</summary>
    public bool ReturnSequences { get; set; }
    /// <summary>Process the sequence in reverse; a returned sequence is in processing (reversed) order, as in Keras.</summary>
    public bool GoBackwards { get; set; }
    /// <summary>Wrap the layer in Keras <c>Bidirectional</c>.</summary>
    public bool Bidirectional { get; set; }
    /// <summary>How a bidirectional layer merges its two directions.</summary>
    public MergeMode Merge { get; set; } = MergeMode.Concat;
    /// <summary>Whether the layer has a bias vector.</summary>
    public bool UseBias { get; set; } = true;
}
