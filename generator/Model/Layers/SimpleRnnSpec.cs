namespace StaticRnn.Generator.Model;

/// <summary>Keras <c>SimpleRNN(units)</c>: <c>h_t = activation(x_t·W + h_(t-1)·U + b)</c>.</summary>
internal sealed record SimpleRnnSpec(int Units, ActivationKind Activation, bool UseBias, bool ReturnSequences, bool GoBackwards)
    : RecurrentSpec(Units, Activation, ActivationKind.Sigmoid, UseBias, ReturnSequences, GoBackwards)
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(1, out int[] units)
        ? Wrap(a, new SimpleRnnSpec(units[0], a.Activation("Activation", ActivationKind.Tanh), a.Bool("UseBias", true), a.Bool("ReturnSequences", false), a.Bool("GoBackwards", false)))
        : null;

    public override string KerasType => "SimpleRNN";

    public override string TorchMapping => "SimpleRnn";
    public override string AutoNamePrefix => "simple_rnn";
    public override int Gates => 1;

    /// <summary>The h rows only; backward scratch: dh and one dz row per step.</summary>
    public override LayerPlan Plan(int offset, TapeInput input) => RecurrentPlan(offset, input, 0, (1 + InputSteps) * Stride);
}

internal static partial class LayerCatalog
{
    internal static readonly string SimpleRnn = Register("SimpleRnnAttribute", SimpleRnnSpec.Parse);
}
