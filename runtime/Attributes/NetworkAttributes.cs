namespace StaticRnn;

/// <summary>
/// Marks a <c>partial class</c> as a network: a stack of layer attributes applied in source order.
/// The StaticRnn source generator writes the forward, backward and training code for this exact shape.
/// </summary>
/// <param name="inputShape">The shape of one sample without the batch axis, exactly like Keras <c>input_shape</c>:
/// <c>(timesteps, features)</c> for sequences, <c>(features)</c> for vectors, <c>(timesteps)</c> of token ids for embeddings.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SequentialAttribute(params int[] inputShape) : Attribute
{
    /// <summary>The shape of one sample, batch axis excluded.</summary>
    public int[] InputShape { get; } = inputShape;
    /// <summary>When not 0, the analyzer checks the computed parameter count against it (SRNN004).</summary>
    public int ExpectedParameters { get; set; }
    /// <summary>The training loss.</summary>
    public Loss Loss { get; set; } = Loss.MeanSquaredError;
    /// <summary>Seed of the weight initialization done by the parameterless constructor.</summary>
    public int Seed { get; set; }
    /// <summary>Keras <c>stateful=True</c>: recurrent state carries over between <c>Predict</c> calls until <c>ResetStates()</c>.</summary>
    public bool Stateful { get; set; }
}

/// <summary>
/// Marks a <c>partial class</c> as a sequence-to-sequence model: it holds two nested partial classes, <c>Encoder</c> and
/// <c>Decoder</c>, each a <c>[Sequential]</c> stack over token ids. The encoder's last recurrent layer's final states seed
/// the decoder's first recurrent layer; <c>[Attention]</c> and <c>[TransformerDecoder]</c> in the decoder attend over the
/// encoder's output sequence. The generator writes teacher-forced training and greedy and beam-search decoding on this class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class Seq2SeqAttribute : Attribute
{
    /// <summary>The decoder's first input token (Keras recipes' <c>"\t"</c> or <c>[start]</c>); not 0, which is padding.</summary>
    public int StartToken { get; set; } = 1;
    /// <summary>The token that ends a target sequence; decoding stops after producing it.</summary>
    public int EndToken { get; set; } = 2;
    /// <summary>When not 0, the analyzer checks the computed parameter count (encoder and decoder) against it (SRNN004).</summary>
    public int ExpectedParameters { get; set; }
    /// <summary>Seed of the weight initialization done by the parameterless constructor.</summary>
    public int Seed { get; set; }
}
