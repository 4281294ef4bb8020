using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// What SimpleRNN, LSTM and GRU share: units, activation, bias, <c>ReturnSequences</c>, <c>GoBackwards</c>, fused gate
/// kernels (Keras layout: <c>kernel (in, gates·units)</c>, <c>recurrent_kernel (units, gates·units)</c>) and a tape
/// region whose first row is the initial state, so that row t + 1 holds h_t.
/// </summary>
internal abstract record RecurrentSpec(int Units, ActivationKind Activation, ActivationKind RecurrentActivation, bool UseBias, bool ReturnSequences, bool GoBackwards) : LayerSpec
{
    /// <summary>Gates of the fused kernels, each <see cref="Units"/> columns: SimpleRNN 1, GRU 3, LSTM 4.</summary>
    public abstract int Gates { get; }

    public override bool CanReturnSequences => true;

    public override bool IsRecurrent => true;

    public override IEnumerable<(string Key, string Value)> KerasConfig => new[]
    {
        ("units", Units.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("activation", Activation.Keras()),
        ("recurrent_activation", RecurrentActivation.Keras()), ("use_bias", UseBias.Keras()),
        ("return_sequences", ReturnSequences.Keras()), ("go_backwards", GoBackwards.Keras()),
    };

    public override string? LooksAhead => GoBackwards ? "it reads the sequence from the end (GoBackwards = true); remove GoBackwards" : null;

    /// <summary>A padded step is skipped: the state (and the output) of the step before carry over.</summary>
    public override bool ReadsMask => true;

    /// <summary>
    /// The spec an attribute declares: <paramref name="layer"/> itself, or wrapped in Keras <c>Bidirectional</c> when the
    /// attribute says <c>Bidirectional = true</c>.
    /// </summary>
    protected static LayerSpec Wrap(LayerArguments a, RecurrentSpec layer)
        => a.Bool("Bidirectional", false) ? new BidirectionalSpec(layer, (MergeKind)a.Int("Merge", (int)MergeKind.Concat)) : layer;

    public override void Validate(LayerChecks check)
    {
        check.Positive("units", Units);
        check.Activations(Activation, RecurrentActivation);
        if (Activation == ActivationKind.Softmax)
        {
            check.Fail("Activation = Softmax is supported on Dense layers only; use Tanh, Sigmoid, Relu, HardSigmoid or Linear");
        }
        if (Gates > 1 && RecurrentActivation == ActivationKind.Softmax)
        {
            check.Fail("RecurrentActivation = Softmax is not supported; use Sigmoid or HardSigmoid");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check)
        => !check.Sequence() ? null : ReturnSequences ? new[] { check.Input[0], Units } : new[] { Units };

    public override void DeclareWeights(WeightList weights)
    {
        weights.Add("kernel", WeightInit.GlorotUniform, InputFeatures, Gates * Units);
        weights.Add("recurrent_kernel", WeightInit.Orthogonal, Units, Gates * Units);
        if (UseBias)
        {
            DeclareBias(weights);
        }
    }

    protected virtual void DeclareBias(WeightList weights) => weights.Add("bias", WeightInit.Zeros, Gates * Units);

    /// <summary>The larger of the input-side and recurrent products of one step: rows × 8-float blocks of the gate columns.</summary>
    public override int VectorOps => System.Math.Max(InputFeatures, Units) * ((Gates * Units + 7) / 8);

    public WeightSpec Kernel => Weights[0];
    public WeightSpec RecurrentKernel => Weights[1];
    public WeightSpec? Bias => UseBias ? Weights[2] : null;

    /// <summary>Padded width of one state row.</summary>
    public int Stride => LayerPlan.RoundUp(Units);

    /// <summary>Floats of the h rows: the initial state, then one row per step.</summary>
    protected int StateRows => (InputSteps + 1) * Stride;

    /// <summary>
    /// The plan of a region that starts with the h rows (row 0 the initial state) followed by <paramref name="more"/>
    /// floats of the kind's own rows; the output is the last h row, or every h row after the initial one.
    /// </summary>
    protected LayerPlan RecurrentPlan(int offset, TapeInput input, int more, int work)
    {
        int output = offset + (ReturnSequences ? Stride : InputSteps * Stride);
        return new LayerPlan(offset, StateRows + more, Stride, output, ReturnSequences ? InputSteps : 1, input, work);
    }

    /// <summary>h is carried between calls: its initial row and its last row.</summary>
    public override IEnumerable<CarriedState> CarriedStates(LayerPlan plan)
    {
        yield return new CarriedState(plan.RegionOffset, plan.RegionOffset + InputSteps * Stride, Stride, Units, "h");
    }
}
