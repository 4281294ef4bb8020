namespace StaticRnn;

/// <summary>
/// What every generated network exposes, so that generic code (the training loop, benchmarks, tools)
/// works for any of them. The generator implements it on each <c>[Sequential]</c> class.
/// </summary>
/// <typeparam name="TSelf">The generated network class.</typeparam>
public interface IStaticNetwork<TSelf> where TSelf : IStaticNetwork<TSelf>
{
    /// <summary>Total trainable parameters, as Keras counts them.</summary>
    static abstract int ParameterCount { get; }
    /// <summary>Floats (or tokens) per input sample, flattened.</summary>
    static abstract int InputSize { get; }
    /// <summary>Floats per output sample, flattened.</summary>
    static abstract int OutputSize { get; }
    /// <summary>Floats per target sample: <see cref="OutputSize"/>, or one class index per output row for the sparse loss.</summary>
    static abstract int TargetSize { get; }
    /// <summary>Shape of one input sample, batch axis excluded.</summary>
    static abstract ReadOnlySpan<int> InputShape { get; }
    /// <summary>Shape of one output sample, batch axis excluded.</summary>
    static abstract ReadOnlySpan<int> OutputShape { get; }
    /// <summary>The training loss.</summary>
    static abstract Loss Loss { get; }
    /// <summary>For token networks (an Embedding first), the number of token ids; 0 for networks that take floats.</summary>
    static virtual int Vocabulary => 0;
    /// <summary>Whether the network carries its recurrent state from one call to the next (Keras <c>stateful=True</c>).</summary>
    static virtual bool Stateful => false;
    /// <summary>The layers as Keras describes them (name, type, config values, weights, output shape), for exporters.</summary>
    static abstract IReadOnlyList<LayerInfo> Layers { get; }
    /// <summary>Keras <c>model.summary()</c> text.</summary>
    static abstract string Summary();

    /// <summary>All weights in one buffer, Keras <c>get_weights()</c> order, each array row-major.</summary>
    Span<float> Parameters { get; }
    /// <summary>Name, shape and place in <see cref="Parameters"/> of each weight array.</summary>
    IReadOnlyList<WeightInfo> Weights { get; }

    /// <summary>Forward pass for <paramref name="batchSize"/> samples.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize = 1);
    /// <summary>Mean loss over the batch, without gradients.</summary>
    float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);
    /// <summary>Mean loss over the batch; writes d(loss)/d(parameters) into <paramref name="gradients"/>.</summary>
    float Gradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> gradients);
    /// <summary>One optimizer step on the batch; returns the batch loss before the step.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, IOptimizer optimizer);
    /// <summary>Mean over the batch of each sample's loss times its weight (Keras <c>sample_weight</c>), without gradients.</summary>
    float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, ReadOnlySpan<float> sampleWeights);
    /// <summary>The weighted mean loss and its gradient.</summary>
    float Gradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> gradients, ReadOnlySpan<float> sampleWeights);
    /// <summary>One optimizer step on the weighted mean loss; returns it.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, IOptimizer optimizer, ReadOnlySpan<float> sampleWeights);
    /// <summary>
    /// One optimizer step (empty <paramref name="sampleWeights"/> for none) that also writes the outputs of the forward pass
    /// its gradients come from, as Keras computes training metrics.
    /// </summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, IOptimizer optimizer, ReadOnlySpan<float> sampleWeights, Span<float> outputs);
    /// <summary>Keras default initializers from a seeded generator.</summary>
    void InitializeWeights(int seed);
    /// <summary>Zero every recurrent state (stateful networks).</summary>
    void ResetStates();
}
