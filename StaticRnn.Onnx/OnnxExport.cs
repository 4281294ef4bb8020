using System.Globalization;
using static StaticRnn.Onnx.OnnxWriter;
using Attribute = StaticRnn.Onnx.OnnxWriter.Attribute;

namespace StaticRnn.Onnx;

/// <summary>
/// Exports a generated network as an ONNX graph (opset 17) with input <c>x</c> (float, or int64 ids for token networks)
/// of shape <c>[batch, ...InputShape]</c> and output <c>y</c> of shape <c>[batch, ...OutputShape]</c>, batch dynamic.
/// Keras semantics are kept: LSTM gates reordered to ONNX's i, o, f, c; GRU <c>reset_after</c> as
/// <c>linear_before_reset</c>; <c>GoBackwards</c> as a reversed direction whose sequence output is flipped back as Keras
/// returns it; Bidirectional merge modes; Dropout is the identity (inference).
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the graph uses (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>
    /// Writes <paramref name="network"/> with its current weights to <paramref name="path"/>. Masking, stateful networks and
    /// attention or Transformer layers are not exported: they throw <see cref="NotSupportedException"/> naming the layer,
    /// before anything is written.
    /// </summary>
    public static void ExportOnnx<TNet>(this TNet network, string path) where TNet : IStaticNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (TNet.Stateful)
        {
            throw new NotSupportedException("A stateful network carries its state between calls; ONNX export covers networks without carried state.");
        }
        var graph = new GraphBuilder(network.Weights, network.Parameters.ToArray());
        bool tokens = TNet.Vocabulary > 0;
        Flow x = new("x", TNet.InputShape.Length + 1, TimeMajor: false);
        if (tokens)
        {
            x = x with { Rank = 2 };
        }
        foreach (LayerInfo layer in TNet.Layers)
        {
            x = graph.Add(layer, x);
        }
        if (x.TimeMajor)
        {
            x = x with { Name = graph.Op("Transpose", [x.Name], new Attribute("perm", Ints: [1, 0, 2])), TimeMajor = false };
        }
        graph.Rename(x.Name, "y");
        byte[] model = Model(typeof(TNet).Name, graph.Nodes, graph.Initializers,
            new Value("x", tokens ? Int64Type : FloatType, TNet.InputShape.ToArray().Select(d => (long)d).ToArray()),
            new Value("y", FloatType, TNet.OutputShape.ToArray().Select(d => (long)d).ToArray()), Opset);
        StaticRnn.Kernels.AtomicFile.WriteAllBytes(path, model);
    }

    /// <summary>The tensor flowing between layers: its name, rank (batch included) and whether time comes first.</summary>
    private sealed record Flow(string Name, int Rank, bool TimeMajor);

    private sealed class GraphBuilder(IReadOnlyList<WeightInfo> weights, float[] parameters)
    {
        private int _next;

        public List<Node> Nodes { get; } = [];
        public List<Tensor> Initializers { get; } = [];

        public string Op(string op, string[] inputs, params Attribute[] attributes)
        {
            string output = $"{op.ToLowerInvariant()}_{_next++}";
            Nodes.Add(new Node(op, output, inputs, [output], attributes));
            return output;
        }

        private string Constant(string name, long[] dims, float[] values)
        {
            string unique = $"{name}_{_next++}";
            Initializers.Add(new Tensor(unique, dims, Floats: values));
            return unique;
        }

        private string Ints(params long[] values)
        {
            string name = $"ints_{_next++}";
            Initializers.Add(new Tensor(name, [values.Length], Ints: values));
            return name;
        }

        /// <summary>Gives the node that produces <paramref name="from"/> the output name <paramref name="to"/>.</summary>
        public void Rename(string from, string to)
        {
            int i = Nodes.FindIndex(n => n.Outputs.Contains(from));
            if (i < 0)
            {
                Nodes.Add(new Node("Identity", "output", [from], [to], []));
                return;
            }
            Nodes[i] = Nodes[i] with { Outputs = Nodes[i].Outputs.Select(o => o == from ? to : o).ToArray() };
        }

        private float[] Weight(LayerInfo layer, int index) => parameters.AsSpan(weights[layer.FirstWeight + index].Offset, weights[layer.FirstWeight + index].Length).ToArray();

        private IReadOnlyList<int> Shape(LayerInfo layer, int index) => weights[layer.FirstWeight + index].Shape;

        public Flow Add(LayerInfo layer, Flow x)
        {
            switch (layer.KerasType)
            {
                case "Dense":
                {
                    IReadOnlyList<int> k = Shape(layer, 0);
                    string y = Op("MatMul", [x.Name, Constant($"{layer.Name}_kernel", [k[0], k[1]], Weight(layer, 0))]);
                    if (layer["use_bias"] == "true")
                    {
                        y = Op("Add", [y, Constant($"{layer.Name}_bias", [k[1]], Weight(layer, 1))]);
                    }
                    return x with { Name = Activate(y, layer["activation"], layer) };
                }
                case "Embedding":
                {
                    if (layer["mask_zero"] == "true")
                    {
                        throw Unsupported(layer, "masking (MaskZero = true)");
                    }
                    IReadOnlyList<int> e = Shape(layer, 0);
                    string y = Op("Gather", [Constant($"{layer.Name}_embeddings", [e[0], e[1]], Weight(layer, 0)), x.Name]);
                    return new Flow(y, 3, TimeMajor: false);
                }
                case "Dropout":
                    return x;
                case "LayerNormalization":
                {
                    int features = Shape(layer, 0)[0];
                    string y = Op("LayerNormalization", [x.Name, Constant($"{layer.Name}_gamma", [features], Weight(layer, 0)), Constant($"{layer.Name}_beta", [features], Weight(layer, 1))],
                        new Attribute("axis", Int: -1), new Attribute("epsilon", FloatValue: float.Parse(layer["epsilon"], CultureInfo.InvariantCulture)));
                    return x with { Name = y };
                }
                case "GlobalAveragePooling1D":
                    return new Flow(Op("ReduceMean", [x.Name], new Attribute("axes", Ints: [x.TimeMajor ? 0 : 1]), new Attribute("keepdims", Int: 0)), 2, TimeMajor: false);
                case "LSTM" or "GRU" or "SimpleRNN":
                    return Recurrent(layer, layer.KerasType, x, bidirectional: false);
                case "Bidirectional":
                    return Recurrent(layer, layer["layer"], x, bidirectional: true);
                default:
                    throw Unsupported(layer, "this layer type");
            }
        }

        private static NotSupportedException Unsupported(LayerInfo layer, string what)
            => new($"Layer '{layer.Name}' ({layer.KerasType}): {what} is not exported to ONNX; exported are Dense, Embedding (without masking), LSTM, GRU, SimpleRNN, Bidirectional, Dropout, LayerNormalization and GlobalAveragePooling1D.");

        private string Activate(string x, string activation, LayerInfo layer) => activation switch
        {
            "linear" => x,
            "tanh" => Op("Tanh", [x]),
            "sigmoid" => Op("Sigmoid", [x]),
            "relu" => Op("Relu", [x]),
            "softmax" => Op("Softmax", [x], new Attribute("axis", Int: -1)),
            "hard_sigmoid" => Op("HardSigmoid", [x], new Attribute("alpha", FloatValue: 1f / 6), new Attribute("beta", FloatValue: 0.5f)),
            _ => throw Unsupported(layer, $"the activation '{activation}'"),
        };

        /// <summary>ONNX's name for a recurrent activation, with its alpha and beta.</summary>
        private static (string Name, float Alpha, float Beta) RnnActivation(string activation, LayerInfo layer) => activation switch
        {
            "tanh" => ("Tanh", 0, 0),
            "sigmoid" => ("Sigmoid", 0, 0),
            "relu" => ("Relu", 0, 0),
            "hard_sigmoid" => ("HardSigmoid", 1f / 6, 0.5f),
            "linear" => ("Affine", 1, 0),
            _ => throw Unsupported(layer, $"the recurrent activation '{activation}'"),
        };

        private Flow Recurrent(LayerInfo layer, string kind, Flow x, bool bidirectional)
        {
            if (!x.TimeMajor)
            {
                x = new Flow(Op("Transpose", [x.Name], new Attribute("perm", Ints: [1, 0, 2])), 3, TimeMajor: true);
            }
            int units = int.Parse(layer["units"], CultureInfo.InvariantCulture), directions = bidirectional ? 2 : 1;
            bool bias = layer["use_bias"] == "true", sequences = layer["return_sequences"] == "true", backwards = layer["go_backwards"] == "true";
            if (bidirectional && backwards)
            {
                throw Unsupported(layer, "GoBackwards inside Bidirectional");
            }
            // Keras gate g of the fused kernels goes to ONNX gate position p: LSTM i, f, c, o -> i, o, f, c; GRU and RNN keep theirs.
            int[] order = kind switch { "LSTM" => [0, 3, 1, 2], "GRU" => [0, 1, 2], _ => [0] };
            int gates = order.Length, perDirection = bias ? 3 : 2, inputs = Shape(layer, 0)[0];
            var w = new float[directions * gates * units * inputs];
            var r = new float[directions * gates * units * units];
            var b = new float[directions * 2 * gates * units];
            bool resetAfter = kind == "GRU" && layer["reset_after"] == "true";
            for (int d = 0; d < directions; d++)
            {
                float[] kernel = Weight(layer, d * perDirection), recurrent = Weight(layer, d * perDirection + 1);
                for (int p = 0; p < gates; p++)
                {
                    int g = order[p];
                    for (int u = 0; u < units; u++)
                    {
                        for (int i = 0; i < inputs; i++)
                        {
                            w[((d * gates + p) * units + u) * inputs + i] = kernel[i * gates * units + g * units + u];
                        }
                        for (int i = 0; i < units; i++)
                        {
                            r[((d * gates + p) * units + u) * units + i] = recurrent[i * gates * units + g * units + u];
                        }
                    }
                }
                if (bias)
                {
                    float[] kb = Weight(layer, d * perDirection + 2);
                    for (int p = 0; p < gates; p++)
                    {
                        for (int u = 0; u < units; u++)
                        {
                            int at = order[p] * units + u;
                            b[d * 2 * gates * units + p * units + u] = kb[at]; // Wb; with reset_after, Keras's row 0
                            b[d * 2 * gates * units + (gates + p) * units + u] = resetAfter ? kb[gates * units + at] : 0f; // Rb: row 1
                        }
                    }
                }
            }
            string op = kind switch { "LSTM" => "LSTM", "GRU" => "GRU", _ => "RNN" };
            var activations = new List<(string Name, float Alpha, float Beta)>();
            for (int d = 0; d < directions; d++)
            {
                if (kind != "SimpleRNN")
                {
                    activations.Add(RnnActivation(layer["recurrent_activation"], layer));
                }
                activations.Add(RnnActivation(layer["activation"], layer));
                if (kind == "LSTM")
                {
                    activations.Add(RnnActivation(layer["activation"], layer));
                }
            }
            var attributes = new List<Attribute>
            {
                new("hidden_size", Int: units),
                new("direction", Text: bidirectional ? "bidirectional" : backwards ? "reverse" : "forward"),
                new("activations", Texts: activations.Select(a => a.Name).ToArray()),
                new("activation_alpha", Floats: activations.Select(a => a.Alpha).ToArray()),
                new("activation_beta", Floats: activations.Select(a => a.Beta).ToArray()),
            };
            if (kind == "GRU")
            {
                attributes.Add(new("linear_before_reset", Int: resetAfter ? 1 : 0));
            }
            string[] nodeInputs =
            [
                x.Name,
                Constant($"{layer.Name}_W", [directions, gates * units, inputs], w),
                Constant($"{layer.Name}_R", [directions, gates * units, units], r),
                bias ? Constant($"{layer.Name}_B", [directions, 2 * gates * units], b) : "",
            ];
            string sequence = $"{layer.Name}_Y_{_next++}", last = $"{layer.Name}_Yh_{_next++}";
            Nodes.Add(new Node(op, layer.Name, nodeInputs, [sequence, last], attributes.ToArray()));
            string merge = bidirectional ? layer["merge_mode"] : "concat";
            if (sequences)
            {
                // Y is [T, directions, batch, units]: to [T, batch, directions, units], then merged.
                string y = Op("Transpose", [sequence], new Attribute("perm", Ints: [0, 2, 1, 3]));
                y = Merge(y, merge, axis: 2, layer);
                if (backwards)
                {
                    // Keras returns a go_backwards sequence in the order it was read: the last step first.
                    y = Op("Slice", [y, Ints(-1), Ints(long.MinValue), Ints(0), Ints(-1)]);
                }
                return new Flow(y, 3, TimeMajor: true);
            }
            // Y_h is [directions, batch, units]: to [batch, directions, units], then merged.
            string h = Op("Transpose", [last], new Attribute("perm", Ints: [1, 0, 2]));
            return new Flow(Merge(h, merge, axis: 1, layer), 2, TimeMajor: false);
        }

        /// <summary>The directions (axis <paramref name="axis"/>) concatenated, summed, multiplied or averaged, as Keras's merge modes.</summary>
        private string Merge(string x, string mode, int axis, LayerInfo layer) => mode switch
        {
            "concat" => Op("Reshape", [x, Ints(axis == 2 ? [0, 0, -1] : [0, -1])]),
            "sum" => Op("ReduceSum", [x, Ints(axis)], new Attribute("keepdims", Int: 0)),
            "mul" => Op("ReduceProd", [x], new Attribute("axes", Ints: [axis]), new Attribute("keepdims", Int: 0)),
            "ave" => Op("ReduceMean", [x], new Attribute("axes", Ints: [axis]), new Attribute("keepdims", Int: 0)),
            _ => throw Unsupported(layer, $"the merge mode '{mode}'"),
        };
    }
}
