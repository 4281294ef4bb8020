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

/// <summary>Marks a <c>partial class</c> as a sequence-to-sequence model with nested <c>Encoder</c> and <c>Decoder</c> stacks.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class Seq2SeqAttribute : Attribute
{
}

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

/// <summary>Keras <c>Dense(units)</c>: <c>y = activation(x·W + b)</c>, applied to the last axis (at every time step of a sequence).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute(int units) : LayerAttribute
{
    /// <summary>Output dimensionality.</summary>
    public int Units { get; } = units;
    /// <summary>Activation; default <see cref="StaticRnn.Activation.Linear"/>.</summary>
    public Activation Activation { get; set; } = Activation.Linear;
    /// <summary>Whether the layer has a bias vector.</summary>
    public bool UseBias { get; set; } = true;
}

/// <summary>Keras <c>SimpleRNN(units)</c>: <c>h_t = activation(x_t·W + h_{t-1}·U + b)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRnnAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Activation; default <see cref="StaticRnn.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
}

/// <summary>Keras <c>LSTM(units)</c>, gates in kernel order i, f, c, o.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Cell activation; default <see cref="StaticRnn.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
    /// <summary>Gate activation; default <see cref="StaticRnn.Activation.Sigmoid"/>.</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;
}

/// <summary>Keras <c>GRU(units)</c>, gates z, r, h.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Candidate activation; default <see cref="StaticRnn.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
    /// <summary>Gate activation; default <see cref="StaticRnn.Activation.Sigmoid"/>.</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;
    /// <summary>Apply the reset gate after the recurrent product (Keras 3 default, bias shape (2, 3*units)).</summary>
    public bool ResetAfter { get; set; } = true;
}

/// <summary>Keras <c>Embedding(input_dim, output_dim)</c>: token ids to vectors; must be the first layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute(int inputDim, int outputDim) : LayerAttribute
{
    /// <summary>Vocabulary size: token ids are in <c>[0, InputDim)</c>.</summary>
    public int InputDim { get; } = inputDim;
    /// <summary>Embedding vector size.</summary>
    public int OutputDim { get; } = outputDim;
}

/// <summary>Keras <c>Dropout(rate)</c>: inverted dropout, active in training only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute(double rate) : LayerAttribute
{
    /// <summary>Fraction of inputs dropped, in [0, 1).</summary>
    public double Rate { get; } = rate;
}

/// <summary>Keras <c>Attention</c> (dot-product attention).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AttentionAttribute : LayerAttribute
{
}

/// <summary>Keras <c>MultiHeadAttention(num_heads, key_dim)</c> (self-attention).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MultiHeadAttentionAttribute(int numHeads, int keyDim) : LayerAttribute
{
    /// <summary>Number of attention heads.</summary>
    public int NumHeads { get; } = numHeads;
    /// <summary>Size of each head for query and key.</summary>
    public int KeyDim { get; } = keyDim;
}

/// <summary>Keras <c>LayerNormalization</c> over the last axis.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormalizationAttribute : LayerAttribute
{
    /// <summary>Added to the variance; Keras default 1e-3.</summary>
    public double Epsilon { get; set; } = 1e-3;
}

/// <summary>Keras <c>GlobalAveragePooling1D</c>: mean over the time axis.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : LayerAttribute
{
}

/// <summary>Keras <c>RepeatVector(n)</c>: repeats a vector n times into a sequence.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RepeatVectorAttribute(int n) : LayerAttribute
{
    /// <summary>Number of repetitions (time steps of the output).</summary>
    public int N { get; } = n;
}

/// <summary>A Transformer encoder block: self-attention, residuals, layer normalization, feed-forward.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TransformerEncoderAttribute(int numHeads, int keyDim, int feedForwardDim) : LayerAttribute
{
    /// <summary>Number of attention heads.</summary>
    public int NumHeads { get; } = numHeads;
    /// <summary>Size of each head for query and key.</summary>
    public int KeyDim { get; } = keyDim;
    /// <summary>Hidden size of the feed-forward sublayer.</summary>
    public int FeedForwardDim { get; } = feedForwardDim;
}
