using System;
using System.Collections.Generic;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// What a network and each stack of a Seq2Seq model share: the kernels of every layer, the forward and backward passes of
/// one sample through them (a chain of calls into the layers' kernels along the tape), and the weight initializers.
/// </summary>
internal static class StackCode
{
    /// <summary>Every layer's kernels, named by <paramref name="method"/>(index).</summary>
    public static void LayerKernels(SourceWriter w, NetworkSpec spec, TapePlan plan, Func<int, string> method, bool grouped, bool steps = false)
    {
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            LayerEmitter emitter = EmitterCatalog.For(layer);
            w.Line();
            emitter.Emit(new LayerContext(w, layer, plan.Layers[i], method(i), NeedsInputGradient: i > 0, Grouped: grouped, Steps: steps && emitter.HasStepKernel(layer)));
        }
    }

    /// <summary>
    /// The body of an incremental decoder pass over steps <c>from</c> … <c>to - 1</c>, the rows of the steps before on
    /// <c>tape</c>: each layer's <c>ForwardSteps</c> kernel, or its full forward kernel when it has none (decoder layers are
    /// causal, so that gives the same rows, at T times the work).
    /// </summary>
    public static void StepCalls(SourceWriter w, NetworkSpec spec, TapePlan plan, Func<int, string> method, string maskOffset)
    {
        if (spec.Masked)
        {
            w.Line($"ref float {Names.Mask} = ref Unsafe.Add(ref tape, {maskOffset}); // 1 for a real step, 0 for padding");
        }
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            LayerPlan lp = plan.Layers[i];
            string input = lp.InputIsNetworkInput ? "ref x" : $"ref Unsafe.Add(ref tape, {lp.InputOffset})";
            string arguments = $"(ref p, {input}, ref Unsafe.Add(ref tape, {lp.RegionOffset}){Names.ForwardArguments(layer, random: false)}";
            w.Line(EmitterCatalog.For(layer).HasStepKernel(layer)
                ? $"{Names.ForwardSteps(method(i))}{arguments}, from, to);"
                : $"{Names.Forward(method(i))}{arguments}{(layer.UsesRandom ? ", null" : "")}); // no step kernel: every step again");
        }
    }

    /// <summary>
    /// The body of a forward pass: each layer's forward kernel on the previous one's rows of <c>tape</c> (the first on
    /// <c>x</c>). <paramref name="maskOffset"/> names the constant where the stack's mask row lies.
    /// </summary>
    public static void ForwardCalls(SourceWriter w, NetworkSpec spec, TapePlan plan, Func<int, string> method, string maskOffset)
    {
        if (spec.Masked)
        {
            w.Line($"ref float {Names.Mask} = ref Unsafe.Add(ref tape, {maskOffset}); // 1 for a real step, 0 for padding");
        }
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerPlan lp = plan.Layers[i];
            string input = lp.InputIsNetworkInput ? "ref x" : $"ref Unsafe.Add(ref tape, {lp.InputOffset})";
            w.Line($"{Names.Forward(method(i))}(ref p, {input}, ref Unsafe.Add(ref tape, {lp.RegionOffset}){Names.ForwardArguments(spec.Layers[i], spec.Layers[i].UsesRandom)});");
        }
    }

    /// <summary>
    /// The body of a backward pass: each layer's backward kernel from the last to the first, the output gradients
    /// ping-ponging between <c>deltaA</c> and <c>deltaB</c> (layer i reads the one of its parity). The last layer reads
    /// <paramref name="lastGradient"/>, or the buffer of its parity when null.
    /// </summary>
    public static void BackwardCalls(SourceWriter w, NetworkSpec spec, TapePlan plan, Func<int, string> method, string maskOffset, string? lastGradient = null)
    {
        w.Line($"ref float deltaA = ref Unsafe.Add(ref s, {Names.DeltaAOffset});");
        w.Line($"ref float deltaB = ref Unsafe.Add(ref s, {Names.DeltaBOffset});");
        w.Line($"ref float work = ref Unsafe.Add(ref s, {Names.WorkOffset});");
        if (spec.Masked)
        {
            w.Line($"ref float {Names.Mask} = ref Unsafe.Add(ref tape, {maskOffset});");
        }
        int count = spec.Layers.Count;
        for (int i = count - 1; i >= 0; i--)
        {
            LayerPlan lp = plan.Layers[i];
            string input = lp.InputIsNetworkInput ? "ref x" : $"ref Unsafe.Add(ref tape, {lp.InputOffset})";
            string dyRef = i == count - 1 && lastGradient is not null ? $"ref {lastGradient}" : Delta(i);
            string dx = i > 0 ? ", " + Delta(i - 1) : "";
            w.Line($"{Names.Backward(method(i))}(ref p, {input}, ref Unsafe.Add(ref tape, {lp.RegionOffset}), {dyRef}, ref g{dx}, ref work{Names.BackwardArguments(spec.Layers[i])});");
        }
    }

    /// <summary>The gradient buffer layer <paramref name="index"/> reads its output gradient from.</summary>
    public static string Delta(int index) => index % 2 == 0 ? "ref deltaA" : "ref deltaB";

    /// <summary>Lines that fill each weight of <paramref name="layers"/> (offsets plus <paramref name="offset"/> into <c>p</c>) with its Keras initializer, drawing from <c>random</c>.</summary>
    public static void WeightInitializers(SourceWriter w, IEnumerable<LayerSpec> layers, int offset = 0)
    {
        const string init = "global::StaticRnn.Initializers";
        foreach (LayerSpec layer in layers)
        {
            foreach (WeightSpec weight in layer.Weights)
            {
                int at = weight.Offset + offset;
                string slice = $"p.Slice({at}, {weight.Length})";
                if (weight.Init == WeightInit.UnitForgetBias)
                {
                    int units = weight.Length / 4;
                    w.Line($"{init}.Constant({slice}, 0f); // {weight.Name}: zeros, except the forget gate (unit_forget_bias)");
                    w.Line($"{init}.Constant(p.Slice({at + units}, {units}), 1f);");
                    continue;
                }
                string call = weight.Init switch
                {
                    WeightInit.GlorotUniform => $"{init}.GlorotUniform({slice}, {weight.FanIn}, {weight.FanOut}, random);",
                    WeightInit.Orthogonal => $"{init}.Orthogonal({slice}, {weight.Shape[0]}, {weight.Shape[1]}, random);",
                    WeightInit.EmbeddingUniform => $"{init}.Uniform({slice}, -0.05, 0.05, random);",
                    WeightInit.Ones => $"{init}.Constant({slice}, 1f);",
                    _ => $"{init}.Constant({slice}, 0f);",
                };
                w.Line($"{call} // {weight.Name}");
            }
        }
    }
}
