namespace StaticRnn;

/// <summary>
/// What every generated sequence-to-sequence model exposes, so that generic code (the training loop, benchmarks, tools)
/// works for any of them. The generator implements it on each <c>[Seq2Seq]</c> class. Sources and targets are token ids,
/// <see cref="SourceLength"/> and <see cref="TargetLength"/> per sample, 0 for padding; a target sequence normally ends with
/// <see cref="EndToken"/>.
/// </summary>
/// <typeparam name="TSelf">The generated model class.</typeparam>
public interface ISeq2SeqNetwork<TSelf> where TSelf : ISeq2SeqNetwork<TSelf>
{
    /// <summary>Total trainable parameters of both stacks, as Keras counts them.</summary>
    static abstract int ParameterCount { get; }
    /// <summary>Token ids per source sequence.</summary>
    static abstract int SourceLength { get; }
    /// <summary>Token ids per target sequence: the decoder's steps.</summary>
    static abstract int TargetLength { get; }
    /// <summary>Source ids are in [0, SourceVocabulary).</summary>
    static abstract int SourceVocabulary { get; }
    /// <summary>Target ids (and the decoder's output classes) are in [0, TargetVocabulary).</summary>
    static abstract int TargetVocabulary { get; }
    /// <summary>The decoder's first input token.</summary>
    static abstract int StartToken { get; }
    /// <summary>The token that ends a target; decoding stops after producing it.</summary>
    static abstract int EndToken { get; }
    /// <summary>Keras <c>model.summary()</c> text of both stacks.</summary>
    static abstract string Summary();

    /// <summary>All weights in one buffer: the encoder's, then the decoder's, Keras <c>get_weights()</c> order.</summary>
    Span<float> Parameters { get; }
    /// <summary>Name, shape and place in <see cref="Parameters"/> of each weight array.</summary>
    IReadOnlyList<WeightInfo> Weights { get; }

    /// <summary>Teacher-forced mean loss over the non-padding target tokens of the batch, without gradients.</summary>
    float ComputeLoss(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize);
    /// <summary>Teacher-forced mean loss; writes d(loss)/d(parameters) into <paramref name="gradients"/>.</summary>
    float Gradients(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize, Span<float> gradients);
    /// <summary>One optimizer step on the batch; returns the batch loss before the step.</summary>
    float TrainStep(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize, IOptimizer optimizer);
    /// <summary>The teacher-forced loss with each pair counting its weight (Keras <c>sample_weight</c>), without gradients.</summary>
    float ComputeLoss(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize, ReadOnlySpan<float> sampleWeights);
    /// <summary>One optimizer step on the weighted teacher-forced loss; returns it.</summary>
    float TrainStep(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize, IOptimizer optimizer, ReadOnlySpan<float> sampleWeights);
    /// <summary>The decoder's next-token probabilities at every step for given decoder inputs (teacher forcing).</summary>
    void Predict(ReadOnlySpan<int> sources, ReadOnlySpan<int> decoderInputs, Span<float> outputs, int batchSize = 1);
    /// <summary>Greedy decoding of each source, stopping at <see cref="EndToken"/>; the rest of each output is 0.</summary>
    void Generate(ReadOnlySpan<int> sources, Span<int> outputs, int batchSize = 1);
    /// <summary>Beam-search decoding of one source, stopping at <see cref="EndToken"/>; the rest of the output is 0.</summary>
    void BeamSearch(ReadOnlySpan<int> source, Span<int> output, int beamWidth);
    /// <summary>Keras default initializers from a seeded generator.</summary>
    void InitializeWeights(int seed);
}
