namespace StaticRnn;

/// <summary>
/// Keras <c>Attention</c> (Luong-style dot-product attention) used as self-attention on the previous layer's sequence:
/// query = key = value = the input, scores <c>q·kᵀ</c> (or, with <see cref="ScoreMode.Concat"/>,
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
}
