using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>LSTM(units)</c>, gates in kernel order i, f, c, o: <c>c_t = f ⊙ c_(t-1) + i ⊙ a(z_c)</c>,
/// <c>h_t = o ⊙ a(c_t)</c>; the bias starts as <c>unit_forget_bias</c> (forget gate ones).
/// </summary>
internal sealed record LstmSpec(int Units, ActivationKind Activation, ActivationKind RecurrentActivation, bool UseBias, bool ReturnSequences, bool GoBackwards)
    : RecurrentSpec(Units, Activation, RecurrentActivation, UseBias, ReturnSequences, GoBackwards)
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(1, out int[] units)
        ? Wrap(a, new LstmSpec(units[0], a.Activation("Activation", ActivationKind.Tanh), a.Activation("RecurrentActivation", ActivationKind.Sigmoid),
            a.Bool("UseBias", true), a.Bool("ReturnSequences", false), a.Bool("GoBackwards", false)))
        : null;

    public override string KerasType => "LSTM";

    public override string TorchMapping => "Lstm";
    public override string AutoNamePrefix => "lstm";
    public override int Gates => 4;

    protected override void DeclareBias(WeightList weights) => weights.Add("bias", WeightInit.UnitForgetBias, Gates * Units);

    /// <summary>Where the cell rows start in the region: after the h rows, T + 1 rows with row 0 the initial cell state.</summary>
    public int CellStart => StateRows;

    /// <summary>Where the per-step gate rows start in the region: after the cell rows, four padded rows i, f, c, o per step.</summary>
    public int GateStart => 2 * StateRows;

    /// <summary>h rows, c rows, then the activated gates of every step; backward scratch: dh, dc and the gate deltas of every step.</summary>
    public override LayerPlan Plan(int offset, TapeInput input) => RecurrentPlan(offset, input, StateRows + InputSteps * 4 * Stride, (2 + 4 * InputSteps) * Stride);

    /// <summary>h and c are carried between calls.</summary>
    public override IEnumerable<CarriedState> CarriedStates(LayerPlan plan)
    {
        foreach (CarriedState h in base.CarriedStates(plan))
        {
            yield return h;
        }
        yield return new CarriedState(plan.RegionOffset + CellStart, plan.RegionOffset + CellStart + InputSteps * Stride, Stride, Units, "c");
    }
}

internal static partial class LayerCatalog
{
    internal static readonly string Lstm = Register("LstmAttribute", LstmSpec.Parse);
}
