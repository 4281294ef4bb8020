namespace StaticRnn;

/// <summary>
/// Keras <c>Attention</c> (Luong-style dot-product attention). In a <c>[Sequential]</c> network it is self-attention on the
/// previous layer's sequence (query = key = value = the input); in the decoder of a <c>[Seq2Seq]</c> model the query is the
/// previous layer's sequence and key = value = the encoder's output sequence. Scores <c>q·kᵀ</c> (or, with <see cref="ScoreMode.Concat"/>,
/// <c>concat_score_weight · Σ tanh(q + k)</c>), a softmax over the keys, output <c>softmax · v</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AttentionAttribute : LayerAttribute
{
    /// <summary>Keras <c>use_scale</c>: a learned scalar <c>scale</c> (initialized to 1) multiplies the scores.</summary>
    public bool UseScale { get; set; }
    /// <summary>Keras <c>score_mode</c>: <see cref="ScoreMode.Dot"/> (default) or <see cref="ScoreMode.Concat"/>.</summary>
    public ScoreMode ScoreMode { get; set; } = ScoreMode.Dot;
    /// <summary>Keras <c>use_causal_mask</c>: step t attends only to steps up to t.</summary>
    public bool Causal { get; set; }
    /// <summary>
    /// Output the query after the attention's result, <c>[context, query]</c> on the feature axis, as Keras recipes do with
    /// <c>Concatenate()([context, decoder_outputs])</c> before the output layer (Luong attention).
    /// </summary>
    public bool ConcatenateQuery { get; set; }
}
