using System;
using System.Collections.Generic;
using System.Linq;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// The vector products every layer is made of, as C# text. Columns (units) are cut into blocks of 8 floats, one
/// <c>Vector256</c> each, and blocks into groups of up to four accumulators that stay in registers. Weights are
/// read in Keras layout, row by row, as broadcast-FMA rows; the last block of a row may read up to 7 floats past
/// the row (the parameter buffer is padded), and those lanes are never stored as data. In the backward pass the
/// padding lanes of dz are zero, so the same full-width reads and read-modify-writes stay exact.
/// </summary>
internal static partial class Code
{
    internal const int GroupBlocks = 4;

    /// <summary>Blocks of 8 columns, in groups of up to <see cref="GroupBlocks"/>.</summary>
    internal static IEnumerable<(int First, int Count)> Groups(int columns)
    {
        int blocks = (columns + 7) / 8;
        for (int b = 0; b < blocks; b += GroupBlocks)
        {
            yield return (b, Math.Min(GroupBlocks, blocks - b));
        }
    }

    internal static int Blocks(int columns) => (columns + 7) / 8;

    /// <summary><c>ref</c>-free element access text: <c>x</c> for index 0, else <c>Unsafe.Add(ref x, i)</c>.</summary>
    internal static string At(string reference, int index) => index == 0 ? reference : $"Unsafe.Add(ref {reference}, {index})";

    internal static string ColumnRange(int first, int count, int columns)
        => $"units {first * 8}–{Math.Min((first + count) * 8, columns) - 1}";

    /// <summary>The vectors of one group: names <c>{prefix}0..</c> over consecutive 8-float blocks starting at block <paramref name="first"/>.</summary>
    internal static (string Name, int Column)[] Columns(string prefix, int first, int count)
        => Enumerable.Range(0, count).Select(k => ($"{prefix}{k}", 8 * (first + k))).ToArray();

    /// <summary>
    /// acc += vec[i] · M[i, column .. column + 7] for every row i of M and every (acc, column). Unrolled, row i goes to
    /// chain i mod <paramref name="chains"/> of each accumulator (<c>a0</c>, <c>a0_1</c>, ...), so that a group of one or
    /// two accumulators is not one long chain of dependent FMAs; <see cref="CombineChains"/> adds the chains up.
    /// </summary>
    internal static void Accumulate(SourceWriter w, string vec, string matrix, int rows, int rowLength, (string Name, int Column)[] accumulators, bool unrolled, int chains = 1)
    {
        if (!unrolled)
        {
            using (w.Block($"for (int i = 0; i < {rows}; i++)"))
            {
                w.Line($"Vector256<float> si = Vector256.Create(Unsafe.Add(ref {vec}, i));");
                w.Line($"ref float row = ref Unsafe.Add(ref {matrix}, i * {rowLength});");
                foreach (var (a, column) in accumulators)
                {
                    w.Line($"{a} = Vector256.MultiplyAddEstimate(si, Vector256.LoadUnsafe(ref row, {column}), {a});");
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            string Chain(string a) => i % chains == 0 ? a : $"{a}_{i % chains}";
            if (accumulators.Length == 1)
            {
                var (a, column) = accumulators[0];
                w.Line($"{Chain(a)} = Vector256.MultiplyAddEstimate(Vector256.Create({At(vec, i)}), Vector256.LoadUnsafe(ref {matrix}, {i * rowLength + column}), {Chain(a)});");
                continue;
            }
            w.Line($"s = Vector256.Create({At(vec, i)});");
            foreach (var (a, column) in accumulators)
            {
                w.Line($"{Chain(a)} = Vector256.MultiplyAddEstimate(s, Vector256.LoadUnsafe(ref {matrix}, {i * rowLength + column}), {Chain(a)});");
            }
        }
    }

    /// <summary>Chains per accumulator of an unrolled group of <paramref name="count"/> blocks: enough for four independent FMA chains.</summary>
    internal static int Chains(int count, bool unrolled) => unrolled ? Math.Max(1, GroupBlocks / count) : 1;

    /// <summary>Adds the extra chains of a0..a(count-1) into them (see <see cref="Accumulate"/>).</summary>
    internal static void CombineChains(SourceWriter w, int count, int chains)
    {
        for (int k = 0; k < count && chains > 1; k++)
        {
            w.Line(chains == 2 ? $"a{k} += a{k}_1;" : $"a{k} = (a{k} + a{k}_1) + (a{k}_2 + a{k}_3);");
        }
    }

    /// <summary>G[i, column .. column + 7] += vec[i] · dz for every row i of G and every (dz, column): a rank-1 update of a weight gradient.</summary>
    internal static void OuterUpdate(SourceWriter w, string vec, string gradient, int rows, int rowLength, (string Name, int Column)[] deltas, bool unrolled)
    {
        if (!unrolled)
        {
            using (w.Block($"for (int i = 0; i < {rows}; i++)"))
            {
                w.Line($"Vector256<float> si = Vector256.Create(Unsafe.Add(ref {vec}, i));");
                w.Line($"ref float row = ref Unsafe.Add(ref {gradient}, i * {rowLength});");
                foreach (var (z, column) in deltas)
                {
                    w.Line($"Vector256.MultiplyAddEstimate(si, {z}, Vector256.LoadUnsafe(ref row, {column})).StoreUnsafe(ref row, {column});");
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            string scalar = deltas.Length == 1 ? $"Vector256.Create({At(vec, i)})" : "s";
            if (deltas.Length > 1)
            {
                w.Line($"s = Vector256.Create({At(vec, i)});");
            }
            foreach (var (z, column) in deltas)
            {
                int o = i * rowLength + column;
                w.Line($"Vector256.MultiplyAddEstimate({scalar}, {z}, Vector256.LoadUnsafe(ref {gradient}, {o})).StoreUnsafe(ref {gradient}, {o});");
            }
        }
    }

    /// <summary>
    /// out[i] (+)= Σ sum(M[i, column .. column + 7] ⊙ dz) for an unrolled layer: the product of M with the dz vectors in
    /// registers, one dot product per row of M, eight rows sharing one reduction (<c>Products.SumEach</c>) and the store
    /// covering the output row's padding. Looped layers call <c>Products.DotRows</c> on the dz row instead (<see cref="DotRows"/>).
    /// </summary>
    internal static void RowDots(SourceWriter w, string output, string matrix, int rows, int rowLength, (string Name, int Column)[] deltas, bool accumulate)
    {
        // Eight rows at a time, reduced together; the output row is padded to a multiple of 8, and its padding lanes get zeros.
        for (int first = 0; first < rows; first += 8)
        {
            var products = Enumerable.Range(first, 8).Select(i => i >= rows ? "Vector256<float>.Zero"
                : string.Join(" + ", deltas.Select(d => $"Vector256.LoadUnsafe(ref {matrix}, {i * rowLength + d.Column}) * {d.Name}")));
            string sums = $"Products.SumEach({string.Join(", ", products)})";
            w.Line(accumulate
                ? $"(Vector256.LoadUnsafe(ref {output}, {first}) + {sums}).StoreUnsafe(ref {output}, {first});"
                : $"{sums}.StoreUnsafe(ref {output}, {first});");
        }
    }

    /// <summary>Declares z0..z(count-1) from the dz row.</summary>
    internal static void LoadDz(SourceWriter w, int first, int count, string row = "dz")
    {
        for (int k = 0; k < count; k++)
        {
            w.Line($"Vector256<float> z{k} = Vector256.LoadUnsafe(ref {row}, {8 * (first + k)});");
        }
    }

    /// <summary>Declares the accumulators a0..a(count-1), from the bias or zero, and their extra chains (see <see cref="Chains"/>).</summary>
    internal static void InitAccumulators(SourceWriter w, bool hasBias, int first, int count, bool unrolled)
    {
        int chains = Chains(count, unrolled);
        for (int k = 0; k < count; k++)
        {
            string init = hasBias ? $"Vector256.LoadUnsafe(ref b, {8 * (first + k)})" : "Vector256<float>.Zero";
            string more = string.Concat(Enumerable.Range(1, chains - 1).Select(c => $", a{k}_{c} = Vector256<float>.Zero"));
            w.Line($"Vector256<float> a{k} = {init}{more};");
        }
        if (unrolled && count > 1)
        {
            w.Line("Vector256<float> s;");
        }
    }

    /// <summary>The activation applied to a pre-activation vector expression.</summary>
    internal static string Activate(ActivationKind activation, string value) => activation switch
    {
        ActivationKind.Tanh => $"VectorMath.Tanh({value})",
        ActivationKind.Sigmoid => $"VectorMath.Sigmoid({value})",
        ActivationKind.Relu => $"VectorMath.Relu({value})",
        ActivationKind.HardSigmoid => $"VectorMath.HardSigmoid({value})",
        _ => value, // Linear; Softmax is applied to the whole row afterwards
    };

    /// <summary>d(activation)/d(pre-activation) from the activation's output, or null when it is 1.</summary>
    internal static string? Derivative(ActivationKind activation, string output) => activation switch
    {
        ActivationKind.Tanh => $"VectorMath.TanhDerivative({output})",
        ActivationKind.Sigmoid => $"VectorMath.SigmoidDerivative({output})",
        ActivationKind.Relu => $"VectorMath.ReluDerivative({output})",
        ActivationKind.HardSigmoid => $"VectorMath.HardSigmoidDerivative({output})",
        _ => null,
    };

    /// <summary>A float literal that reads back to the same float: <c>0.001f</c>, <c>1E-06f</c>.</summary>
    internal static string Float(double value) => ((float)value).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f";

    /// <summary>A C# bool literal.</summary>
    internal static string Bool(bool value) => value ? "true" : "false";

    /// <summary><c>ref Unsafe.Add(ref {buffer}, {offset})</c>, or <c>ref {buffer}</c> at offset 0.</summary>
    internal static string Ref(string buffer, int offset) => offset == 0 ? $"ref {buffer}" : $"ref Unsafe.Add(ref {buffer}, {offset})";

    /// <summary>
    /// A step kernel's first row (<c>from</c>) of rows <paramref name="stride"/> floats apart, from a <c>ref</c> expression
    /// as <see cref="Ref"/> writes it: <c>ref x</c> or <c>ref Unsafe.Add(ref y, 400)</c> (the offset then folded in).
    /// </summary>
    internal static string FromRow(string reference, int stride)
    {
        var at = System.Text.RegularExpressions.Regex.Match(reference, @"^ref Unsafe\.Add\(ref (\w+), (\d+)\)$");
        return at.Success
            ? $"ref Unsafe.Add(ref {at.Groups[1].Value}, {at.Groups[2].Value} + from * {stride})"
            : $"ref Unsafe.Add(ref {reference.Substring("ref ".Length)}, from * {stride})";
    }

    /// <summary>The activation's name in formulas, <c>linear</c> included.</summary>
    internal static string Name(ActivationKind activation) => activation == ActivationKind.Linear ? "linear" : Formula(activation);

    internal static string Formula(ActivationKind activation) => activation switch
    {
        ActivationKind.Tanh => "tanh",
        ActivationKind.Sigmoid => "σ",
        ActivationKind.Relu => "relu",
        ActivationKind.HardSigmoid => "hard_sigmoid",
        ActivationKind.Softmax => "softmax",
        _ => "",
    };

    /// <summary>
    /// Writes dz = incoming ⊙ a'(y) block by block into the dz row (padding lanes zeroed), and adds it to the bias gradient.
    /// </summary>
    internal static void EmitDz(SourceWriter w, int units, System.Func<int, string> incoming, ActivationKind act, string output, bool hasBias, string target = "dz")
    {
        int blocks = Blocks(units);
        for (int k = 0; k < blocks; k++)
        {
            string value = incoming(k);
            string? derivative = Derivative(act, $"Vector256.LoadUnsafe(ref {output}, {8 * k})");
            if (derivative is not null)
            {
                value = $"({value}) * {derivative}";
            }
            if (k == blocks - 1 && units % 8 != 0)
            {
                value = $"({value}) & tail";
            }
            w.Line($"Vector256<float> d{k} = {value};");
            w.Line($"d{k}.StoreUnsafe(ref {target}, {8 * k});");
            if (hasBias)
            {
                w.Line($"(Vector256.LoadUnsafe(ref gb, {8 * k}) + d{k}).StoreUnsafe(ref gb, {8 * k});");
            }
        }
    }

    /// <summary>Declares <c>ref float {name} = ref Unsafe.Add(ref {buffer}, offset)</c> for each weight given (null ones are skipped).</summary>
    internal static void WeightRefs(SourceWriter w, string buffer, params (string Name, WeightSpec? Weight)[] refs)
    {
        foreach (var (name, weight) in refs)
        {
            if (weight is not null)
            {
                w.Line($"ref float {name} = ref Unsafe.Add(ref {buffer}, {weight.Offset}); // {weight.Name} {NetworkBuilder.Shape(weight.Shape.ToArray())}");
            }
        }
    }

    /// <summary>Refs to a Dense layer's kernel (and bias, when <paramref name="bias"/> names it) in <paramref name="buffer"/>.</summary>
    internal static void WeightRefs(SourceWriter w, DenseSpec layer, string buffer, string kernel, string? bias)
        => WeightRefs(w, buffer, (kernel, layer.Kernel), (bias ?? "", bias is null ? null : layer.Bias));

    /// <summary>Refs to a recurrent layer's kernel, recurrent kernel (<c>U</c> or <c>gU</c>) and bias in <paramref name="buffer"/>.</summary>
    internal static void WeightRefs(SourceWriter w, RecurrentSpec layer, string buffer, string kernel, string? bias)
        => WeightRefs(w, buffer, (kernel, layer.Kernel), (kernel == "W" ? "U" : "gU", layer.RecurrentKernel), (bias ?? "", bias is null ? null : layer.Bias));

    /// <summary>Emits the body once per output row: directly for one row, else in a loop over r with row refs xr, yr.</summary>
    internal static void RowLoop(SourceWriter w, int rows, int inputStride, int stride, string x, string y, System.Action<string, string> body, ForwardKernel? kernel = null)
    {
        if (rows == 1)
        {
            body(x, y);
            return;
        }
        using (w.Block(kernel?.Loop(rows, "r") ?? $"for (int r = 0; r < {rows}; r++)"))
        {
            w.Line($"ref float xr = ref Unsafe.Add(ref {x}, r * {inputStride});");
            w.Line($"ref float yr = ref Unsafe.Add(ref {y}, r * {stride});");
            body("xr", "yr");
        }
    }
}
