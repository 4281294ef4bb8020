using System.Collections.Generic;
using System.Linq;

namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>GRU(units)</c>, gates z, r, h; <c>h_t = z ⊙ h_(t-1) + (1 - z) ⊙ h̃</c>. With <c>ResetAfter</c> (the Keras 3
/// default) the reset gate multiplies the recurrent product and the bias has two rows (input, recurrent).
/// </summary>
internal sealed record GruSpec(int Units, ActivationKind Activation, ActivationKind RecurrentActivation, bool UseBias, bool ReturnSequences, bool GoBackwards, bool ResetAfter)
    : RecurrentSpec(Units, Activation, RecurrentActivation, UseBias, ReturnSequences, GoBackwards)
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(1, out int[] units)
        ? Wrap(a, new GruSpec(units[0], a.Activation("Activation", ActivationKind.Tanh), a.Activation("RecurrentActivation", ActivationKind.Sigmoid),
            a.Bool("UseBias", true), a.Bool("ReturnSequences", false), a.Bool("GoBackwards", false), a.Bool("ResetAfter", true)))
        : null;

    public override string KerasType => "GRU";

    public override string TorchMapping => ResetAfter ? "Gru" : "None";

    public override IEnumerable<(string Key, string Value)> KerasConfig => base.KerasConfig.Concat(new[] { ("reset_after", ResetAfter.Keras()) });
    public override string AutoNamePrefix => "gru";
    public override int Gates => 3;

    protected override void DeclareBias(WeightList weights)
    {
        if (ResetAfter)
        {
            weights.Add("bias", WeightInit.Zeros, 2, Gates * Units);
        }
        else
        {
            weights.Add("bias", WeightInit.Zeros, Gates * Units);
        }
    }

    /// <summary>Where the per-step rows start in the region: after the h rows, z, r, h̃ and one more (h·U_h + b'_h, or r ⊙ h) per step.</summary>
    public int GateStart => StateRows;

    /// <summary>h rows, then four padded rows per step; backward scratch: dh and four delta rows per step.</summary>
    public override LayerPlan Plan(int offset, TapeInput input) => RecurrentPlan(offset, input, InputSteps * 4 * Stride, (1 + 4 * InputSteps) * Stride);
}

internal static partial class LayerCatalog
{
    internal static readonly string Gru = Register("GruAttribute", GruSpec.Parse);
}
