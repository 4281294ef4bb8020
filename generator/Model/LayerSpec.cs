using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// One layer kind's spec: its arguments as written (the derived record's own properties) and, once
/// <see cref="NetworkBuilder"/> has placed it, its Keras name, shapes, weights and parameter offsets. A kind is defined by
/// its attribute, this spec (arguments, validation, output shape, weights with Keras names, tape needs) and its emitter;
/// nothing else names it. Specs are plain data with value equality, so an unchanged network is cached between keystrokes.
/// </summary>
internal abstract record LayerSpec
{
    /// <summary>Position among the class's layer attributes (0-based); problems point back to it.</summary>
    public int Index { get; init; }

    /// <summary>The <c>Name</c> the user wrote, or null for the Keras auto-name.</summary>
    public string? DeclaredName { get; init; }

    /// <summary>The layer's own <c>ExpectedParameters</c> (0 = unchecked).</summary>
    public int ExpectedParameters { get; init; }

    /// <summary>The Keras name, set by the builder; for a part of another layer, its full path (<c>bidirectional/forward_lstm</c>).</summary>
    public string Name { get; init; } = "";

    public EquatableArray<int> InputShape { get; init; } = EquatableArray<int>.Empty;
    public EquatableArray<int> OutputShape { get; init; } = EquatableArray<int>.Empty;
    public int ParamOffset { get; init; }
    public int ParamCount { get; init; }

    /// <summary>Weights in Keras <c>get_weights()</c> order, with names, shapes and offsets into the parameter buffer.</summary>
    public EquatableArray<WeightSpec> Weights { get; init; } = EquatableArray<WeightSpec>.Empty;

    /// <summary>Whether this layer's input carries a padding mask (set by the builder; see <see cref="KeepsMask"/>).</summary>
    public bool InputMasked { get; init; }

    /// <summary>
    /// In the decoder of a Seq2Seq model, the encoder's output shape (timesteps, features) that this layer attends over
    /// (set by the builder for a layer that <see cref="AttendsMemory"/>); empty everywhere else.
    /// </summary>
    public EquatableArray<int> MemoryShape { get; init; } = EquatableArray<int>.Empty;

    /// <summary>Whether the encoder's output that this layer attends over carries a padding mask.</summary>
    public bool MemoryMasked { get; init; }

    /// <summary>Whether the layer attends over the encoder's output (its kernels take it, and its gradient in backward).</summary>
    public bool UsesMemory => MemoryShape.Count > 0;

    /// <summary>How this recurrent layer connects the stacks of a Seq2Seq model (set by the builder).</summary>
    public StateLink StateLink { get; init; }

    /// <summary>Whether this layer's products are emitted unrolled (false past the code-size budget: SRNN008).</summary>
    public bool Unrolled { get; init; } = true;

    /// <summary>The Keras class name shown in summaries.</summary>
    public abstract string KerasType { get; }

    /// <summary>Keras's snake_case auto-name prefix (<c>dense</c>, <c>simple_rnn</c>).</summary>
    public abstract string AutoNamePrefix { get; }

    /// <summary>
    /// This layer with its Keras name, taking auto-names from <paramref name="namer"/> in the order Keras creates the
    /// layers: a wrapper whose inner layer is constructed first, or a block that creates its sublayers, overrides this.
    /// </summary>
    public virtual LayerSpec WithNames(KerasNamer namer) => this with { Name = DeclaredName ?? namer.Next(AutoNamePrefix) };

    /// <summary>Checks the arguments (SRNN003) and the layer's place in the network.</summary>
    public virtual void Validate(LayerChecks check)
    {
    }

    /// <summary>The output shape for <see cref="ShapeChecks.Input"/>, or null after reporting why there is none (SRNN002).</summary>
    public abstract int[]? InferOutputShape(ShapeChecks check);

    /// <summary>
    /// This layer's own weights, in Keras order (layers made of parts declare theirs through <see cref="Parts"/>). The
    /// builder calls it with <see cref="InputShape"/> and <see cref="OutputShape"/> set.
    /// </summary>
    public virtual void DeclareWeights(WeightList weights)
    {
    }

    /// <summary>
    /// Layers this one is made of, each named and with its input shape, in Keras weight order: the builder places them
    /// like layers (weights named under this layer's, consecutive parameters), and <see cref="WithPlacedParts"/> takes
    /// them back. Called with <see cref="InputShape"/> set.
    /// </summary>
    public virtual IReadOnlyList<(LayerSpec Part, int[] Input)> Parts() => System.Array.Empty<(LayerSpec, int[])>();

    /// <summary>This layer holding its placed parts (see <see cref="Parts"/>).</summary>
    public virtual LayerSpec WithPlacedParts(IReadOnlyList<LayerSpec> parts) => this;

    /// <summary>Vector multiply-adds of the largest product one step unrolls; past the budget it is emitted as loops (SRNN008).</summary>
    public virtual int VectorOps => 0;

    /// <summary>
    /// About how many multiply-adds one sample's forward pass spends in this layer's matrix products: every weight matrix
    /// once per input step (attention's score products are not counted). Sizes the shards of a batch
    /// (<c>ShardRunner.Shards</c>); table lookups override it with 0.
    /// </summary>
    public virtual long MultiplyAdds
    {
        get
        {
            long sum = 0;
            foreach (WeightSpec weight in Weights)
            {
                sum += weight.Shape.Count >= 2 ? (long)weight.Length * InputSteps : 0;
            }
            return sum;
        }
    }

    /// <summary>Why code for this (valid) layer cannot be generated in this network (SRNN009), or null.</summary>
    public virtual string? NotGenerated(NetworkSpec network) => null;

    /// <summary>Where this layer keeps one sample's activations, starting at <paramref name="offset"/> of the tape.</summary>
    public virtual LayerPlan Plan(int offset, TapeInput input) => LayerPlan.Rows(this, offset, input);

    /// <summary>Stateful networks: the rows of recurrent state carried from one call to the next (absolute tape offsets).</summary>
    public virtual IEnumerable<CarriedState> CarriedStates(LayerPlan plan)
    {
        yield break;
    }

    /// <summary>Whether the input of this layer is token ids (it must then be the first layer).</summary>
    public virtual bool TakesTokens => false;

    /// <summary>Token ids this layer accepts, <c>[0, Vocabulary)</c>, when it <see cref="TakesTokens"/>.</summary>
    public virtual int Vocabulary => 0;

    /// <summary>Whether this layer makes a padding mask from its input (an embedding with <c>MaskZero</c>).</summary>
    public virtual bool ProducesMask => false;

    /// <summary>
    /// Whether a mask on this layer's input still applies to its output, as Keras propagates it: true for layers that
    /// keep the time axis step for step (Dense, dropout, normalization, attention, a recurrent layer returning sequences),
    /// false for those that drop or replace it (pooling, RepeatVector, a recurrent layer returning its last state).
    /// </summary>
    public virtual bool KeepsMask => OutputShape.Count == 2 && OutputShape[0] == InputSteps && InputShape.Count == 2;

    /// <summary>Whether the layer's kernels change what they compute on padded steps (recurrent layers, attention, pooling).</summary>
    public virtual bool ReadsMask => false;

    /// <summary>Whether the layer's forward kernel takes the mask row: it reads it, or (an embedding with <c>MaskZero</c>) writes it.</summary>
    public bool UsesMask => (InputMasked && ReadsMask) || ProducesMask;

    /// <summary>Whether the backward kernel reads the mask too (attention's zero weights on padded keys need nothing more).</summary>
    public virtual bool BackwardReadsMask => ReadsMask;

    /// <summary>Whether the layer's backward kernel takes the mask row.</summary>
    public bool BackwardUsesMask => InputMasked && BackwardReadsMask;

    /// <summary>Whether this layer's output carries the mask.</summary>
    public bool OutputMasked => ProducesMask || (InputMasked && KeepsMask);

    /// <summary>Whether the layer draws random numbers in training (dropout).</summary>
    public virtual bool UsesRandom => false;

    /// <summary>
    /// Whether, in the decoder of a Seq2Seq model, this layer attends over the encoder's output (Attention, and
    /// TransformerDecoder, which needs it: see <see cref="NeedsMemory"/>).
    /// </summary>
    public virtual bool AttendsMemory => false;

    /// <summary>Whether the layer is only meaningful with an encoder output to attend over (a Transformer decoder block).</summary>
    public virtual bool NeedsMemory => false;

    /// <summary>Whether the layer is SimpleRNN, LSTM or GRU (or a Bidirectional one): the layers whose states link the stacks of a Seq2Seq model.</summary>
    public virtual bool IsRecurrent => false;

    /// <summary>
    /// Why output row t of this layer depends on input rows after t, or null when it does not. A decoder layer must be causal:
    /// training feeds it the whole target sequence at once, decoding one step at a time.
    /// </summary>
    public virtual string? LooksAhead => null;

    /// <summary>
    /// The PyTorch module whose parameters map to this layer's weights, as a name of the runtime's <c>TorchMapping</c>
    /// (<c>None</c> when there is no such mapping).
    /// </summary>
    public virtual string TorchMapping => "None";

    /// <summary>
    /// The layer's Keras config values that an exporter needs, under Keras keys (<c>units</c>, <c>activation</c>,
    /// <c>return_sequences</c>, ...), each as Keras prints it; empty for a layer that exporters do not handle.
    /// </summary>
    public virtual IEnumerable<(string Key, string Value)> KerasConfig => System.Linq.Enumerable.Empty<(string, string)>();

    /// <summary>Whether <c>ReturnSequences = true</c> on this layer gives a time axis (the fix SRNN002 suggests).</summary>
    public virtual bool CanReturnSequences => false;

    /// <summary>
    /// Whether the layer takes a (features) and a (timesteps, features) input alike, keeping the rank (Dropout,
    /// LayerNormalization, Dense), so that <c>ReturnSequences</c> on a recurrent layer before it reaches through it.
    /// </summary>
    public virtual bool KeepsRank => false;

    public int Position => Index;

    /// <summary>Size of the last input axis.</summary>
    public int InputFeatures => InputShape[InputShape.Count - 1];

    /// <summary>Size of the last output axis.</summary>
    public int OutputFeatures => OutputShape[OutputShape.Count - 1];

    /// <summary>Time steps of the input (1 for a vector input).</summary>
    public int InputSteps => InputShape.Count == 2 ? InputShape[0] : 1;

    /// <summary>Rows of the output: time steps of a sequence output, else 1.</summary>
    public int OutputRows => OutputShape.Count == 2 ? OutputShape[0] : 1;

    /// <summary>The last axis of <paramref name="shape"/> replaced by <paramref name="last"/>.</summary>
    protected static int[] WithLast(int[] shape, int last)
    {
        int[] r = (int[])shape.Clone();
        r[r.Length - 1] = last;
        return r;
    }
}

/// <summary>How a recurrent layer links the two stacks of a Seq2Seq model.</summary>
internal enum StateLink
{
    None,
    /// <summary>The encoder's last recurrent layer: its final states seed the decoder; its backward pass takes their gradient.</summary>
    SeedsDecoder,
    /// <summary>The decoder's first recurrent layer: starts from the encoder's final states; its backward pass gives their gradient.</summary>
    SeededByEncoder,
}

/// <summary>
/// A row of recurrent state that a stateful network carries between calls: where the layer reads it and where it ends,
/// its length on the tape (padded to the stride), the floats of it that are state (the layer's units) and its Keras
/// name ("h", or "c" for an LSTM's cell state).
/// </summary>
internal readonly record struct CarriedState(int Initial, int Final, int Length, int Units, string Name);
