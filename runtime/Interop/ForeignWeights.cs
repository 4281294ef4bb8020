namespace StaticRnn;

/// <summary>How a layer's Keras weights correspond to the parameters of a PyTorch module.</summary>
public enum TorchMapping
{
    /// <summary>No PyTorch counterpart is mapped (attention, Transformer blocks, a GRU with <c>reset_after=False</c>, ...).</summary>
    None,
    /// <summary><c>nn.Linear</c>: <c>weight</c> (out, in) is the transposed kernel, <c>bias</c> the bias.</summary>
    Dense,
    /// <summary><c>nn.Embedding</c>: <c>weight</c> is the table.</summary>
    Embedding,
    /// <summary><c>nn.LSTM</c>: gates i, f, g, o as Keras's i, f, c, o; the kernels transposed; bias = bias_ih + bias_hh.</summary>
    Lstm,
    /// <summary><c>nn.GRU</c> (Keras <c>reset_after=True</c>): gates r, z, n reordered to z, r, h; the two biases as Keras's two rows.</summary>
    Gru,
    /// <summary><c>nn.RNN</c>: the kernels transposed; bias = bias_ih + bias_hh.</summary>
    SimpleRnn,
    /// <summary><c>nn.LayerNorm</c>: <c>weight</c> is gamma, <c>bias</c> beta.</summary>
    LayerNormalization,
}

/// <summary>
/// A layer with weights, for <see cref="ForeignWeights.LoadPyTorch"/>: its Keras name and type, how it maps to PyTorch, and
/// its arrays in the model's weight list (<paramref name="FirstWeight"/> and the <paramref name="WeightCount"/> after it;
/// a Bidirectional layer's forward arrays, then its backward ones).
/// </summary>
public sealed record TorchLayer(string Name, string KerasType, TorchMapping Mapping, bool Bidirectional, int FirstWeight, int WeightCount);

/// <summary>
/// Weights from other tools, each checked completely before any parameter changes: a file that does not fit changes
/// nothing and throws an <see cref="InvalidDataException"/> that names the first array that does not fit, and why.
/// </summary>
public static partial class ForeignWeights
{
    /// <summary>
    /// Reads <c>numpy.savez(path, *model.get_weights())</c> of the same Keras model: arrays <c>arr_0</c>, <c>arr_1</c>, ...
    /// in Keras order, each of the Keras shape.
    /// </summary>
    public static void LoadKeras(string path, IReadOnlyList<WeightInfo> weights, Span<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(weights);
        IReadOnlyList<NpzArray> arrays = Npz.Read(path);
        if (arrays.Count != weights.Count)
        {
            throw new InvalidDataException($"{path} holds {arrays.Count} arrays; this model has {weights.Count} ({string.Join(", ", weights)}).");
        }
        for (int i = 0; i < arrays.Count; i++)
        {
            if (arrays[i].Name != $"arr_{i}")
            {
                throw new InvalidDataException($"{path}: array {i} is named '{arrays[i].Name}'; numpy.savez(path, *model.get_weights()) names them arr_0, arr_1, ... in order.");
            }
            if (!arrays[i].Shape.SequenceEqual(weights[i].Shape))
            {
                throw new InvalidDataException($"{path}: arr_{i} has the shape {arrays[i].ShapeText}; this model's weight {i} is {weights[i].Name} {weights[i].ShapeText}.");
            }
        }
        for (int i = 0; i < arrays.Count; i++)
        {
            arrays[i].Values.CopyTo(parameters.Slice(weights[i].Offset, weights[i].Length));
        }
    }

    /// <summary>
    /// Reads a PyTorch <c>state_dict</c> saved with <c>numpy.savez(path, **{k: v.numpy() for k, v in sd.items()})</c>:
    /// its modules, in order, are the model's layers that have weights (one <c>nn.LSTM</c> of several layers stands for
    /// as many recurrent layers; <c>bidirectional=True</c> for a Bidirectional layer), mapped as <see cref="TorchMapping"/> says.
    /// </summary>
    public static void LoadPyTorch(string path, IReadOnlyList<TorchLayer> layers, IReadOnlyList<WeightInfo> weights, Span<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(weights);
        List<Module> modules = Modules(Npz.Read(path));
        var staged = parameters.ToArray();
        int next = 0;
        foreach (TorchLayer layer in layers)
        {
            if (layer.Mapping == TorchMapping.None)
            {
                throw new InvalidDataException($"Layer '{layer.Name}' ({layer.KerasType}) has no PyTorch mapping; LoadPyTorchWeights maps Linear, Embedding, LSTM, GRU (reset_after), RNN and LayerNorm.");
            }
            if (next == modules.Count)
            {
                throw new InvalidDataException($"{path} ends before layer '{layer.Name}' ({layer.KerasType}); it has {modules.Count} modules for {layers.Count} layers with weights.");
            }
            Module module = modules[next++];
            var target = new Target(weights, staged, layer, module, path);
            if (layer.Mapping is TorchMapping.Lstm or TorchMapping.Gru or TorchMapping.SimpleRnn)
            {
                target.Recurrent(direction: 0, suffix: "");
                if (layer.Bidirectional)
                {
                    target.Recurrent(direction: 1, suffix: "_reverse");
                }
                else if (module.Has("weight_ih" + "_reverse"))
                {
                    throw new InvalidDataException($"{path}: module '{module.Name}' is bidirectional; layer '{layer.Name}' is not (set Bidirectional = true).");
                }
            }
            else
            {
                target.Plain();
            }
        }
        if (next < modules.Count)
        {
            throw new InvalidDataException($"{path} has {modules.Count - next} module(s) more than this model has layers with weights, from '{modules[next].Name}' on.");
        }
        staged.CopyTo(parameters);
    }

    /// <summary>A PyTorch module's parameters: for recurrent modules, one layer of it (<c>_l0</c>, <c>_l1</c>, ...).</summary>
    private sealed record Module(string Name, Dictionary<string, NpzArray> Parameters)
    {
        public bool Has(string parameter) => Parameters.ContainsKey(parameter);
    }

    /// <summary>The file's arrays grouped into modules, in order: <c>rnn.weight_ih_l1</c> goes to module <c>rnn (layer 1)</c> as <c>weight_ih</c>.</summary>
    private static List<Module> Modules(IReadOnlyList<NpzArray> arrays)
    {
        var modules = new List<Module>();
        var byKey = new Dictionary<string, Module>();
        foreach (NpzArray array in arrays)
        {
            int dot = array.Name.LastIndexOf('.');
            string prefix = dot < 0 ? "" : array.Name[..dot], parameter = array.Name[(dot + 1)..];
            string key = prefix;
            var m = RecurrentParameter().Match(parameter);
            if (m.Success)
            {
                key = $"{prefix} (layer {m.Groups[2].Value})";
                parameter = m.Groups[1].Value + m.Groups[3].Value;
            }
            if (!byKey.TryGetValue(key, out Module? module))
            {
                byKey[key] = module = new Module(key, []);
                modules.Add(module);
            }
            module.Parameters[parameter] = array;
        }
        return modules;
    }

    /// <summary><c>weight_ih_l1_reverse</c>: the kind, the layer and the direction of a recurrent module's parameter.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^((?:weight|bias)_(?:ih|hh))_l(\d+)(_reverse)?$")]
    private static partial System.Text.RegularExpressions.Regex RecurrentParameter();

    /// <summary>Writes one module's arrays into a layer's Keras arrays, checking every shape.</summary>
    private sealed class Target(IReadOnlyList<WeightInfo> weights, float[] staged, TorchLayer layer, Module module, string path)
    {
        private InvalidDataException Error(string message) => new($"{path}: module '{module.Name}' for layer '{layer.Name}' ({layer.KerasType}): {message}.");

        private NpzArray Get(string parameter, int rank)
        {
            if (!module.Parameters.TryGetValue(parameter, out NpzArray? array))
            {
                throw Error($"no '{parameter}' (it has {string.Join(", ", module.Parameters.Keys)})");
            }
            if (array.Shape.Length != rank)
            {
                throw Error($"'{parameter}' has the shape {array.ShapeText}; expected rank {rank}");
            }
            return array;
        }

        private WeightInfo Weight(int index)
        {
            if (index >= layer.WeightCount)
            {
                throw Error($"the module has more arrays than the layer's {layer.WeightCount}");
            }
            return weights[layer.FirstWeight + index];
        }

        private void Check(WeightInfo weight, string what, params int[] shape)
        {
            if (!weight.Shape.SequenceEqual(shape))
            {
                throw Error($"{what} gives {weight.Name} the shape ({string.Join(", ", shape)}); the layer's is {weight.ShapeText}");
            }
        }

        /// <summary>Linear, Embedding, LayerNorm.</summary>
        public void Plain()
        {
            switch (layer.Mapping)
            {
                case TorchMapping.Dense:
                {
                    NpzArray w = Get("weight", 2);
                    int outputs = w.Shape[0], inputs = w.Shape[1];
                    WeightInfo kernel = Weight(0);
                    Check(kernel, "weight (out, in) transposed", inputs, outputs);
                    Transpose(w.Values, outputs, inputs, staged.AsSpan(kernel.Offset, kernel.Length));
                    Bias(1, module.Has("bias") ? Get("bias", 1).Values : null);
                    break;
                }
                case TorchMapping.Embedding:
                {
                    NpzArray w = Get("weight", 2);
                    WeightInfo table = Weight(0);
                    Check(table, "weight", w.Shape);
                    w.Values.CopyTo(staged.AsSpan(table.Offset, table.Length));
                    Count(1);
                    break;
                }
                default:
                {
                    NpzArray gamma = Get("weight", 1), beta = Get("bias", 1);
                    WeightInfo g = Weight(0), b = Weight(1);
                    Check(g, "weight", gamma.Shape);
                    Check(b, "bias", beta.Shape);
                    gamma.Values.CopyTo(staged.AsSpan(g.Offset, g.Length));
                    beta.Values.CopyTo(staged.AsSpan(b.Offset, b.Length));
                    Count(2);
                    break;
                }
            }
        }

        /// <summary>One direction of LSTM, GRU or RNN: its arrays are the layer's arrays from direction × per-direction count on.</summary>
        public void Recurrent(int direction, string suffix)
        {
            int perDirection = layer.WeightCount / (layer.Bidirectional ? 2 : 1), first = direction * perDirection;
            int gates = layer.Mapping switch { TorchMapping.Lstm => 4, TorchMapping.Gru => 3, _ => 1 };
            NpzArray wih = Get("weight_ih" + suffix, 2), whh = Get("weight_hh" + suffix, 2);
            int units = whh.Shape[1], inputs = wih.Shape[1];
            if (wih.Shape[0] != gates * units || whh.Shape[0] != gates * units)
            {
                throw Error($"weight_ih{suffix} {wih.ShapeText} and weight_hh{suffix} {whh.ShapeText} are not {gates} gates of {units} units");
            }
            // PyTorch's gate blocks in Keras order: GRU r, z, n becomes z, r, h; LSTM and RNN keep theirs.
            int[] order = layer.Mapping == TorchMapping.Gru ? [1, 0, 2] : Enumerable.Range(0, gates).ToArray();
            WeightInfo kernel = Weight(first), recurrent = Weight(first + 1);
            Check(kernel, $"weight_ih{suffix} transposed", inputs, gates * units);
            Check(recurrent, $"weight_hh{suffix} transposed", units, gates * units);
            TransposeGates(wih.Values, order, units, inputs, staged.AsSpan(kernel.Offset, kernel.Length));
            TransposeGates(whh.Values, order, units, units, staged.AsSpan(recurrent.Offset, recurrent.Length));
            bool hasBias = module.Has("bias_ih" + suffix);
            if (hasBias != (perDirection == 3))
            {
                throw Error(hasBias ? "the module has biases; the layer has UseBias = false" : "the module has no biases (bias=False); the layer has UseBias = true");
            }
            if (!hasBias)
            {
                return;
            }
            float[] bih = Get("bias_ih" + suffix, 1).Values, bhh = Get("bias_hh" + suffix, 1).Values;
            WeightInfo bias = Weight(first + 2);
            Span<float> target = staged.AsSpan(bias.Offset, bias.Length);
            if (layer.Mapping == TorchMapping.Gru)
            {
                // Keras reset_after=True keeps the input bias (row 0) and the recurrent bias (row 1) apart, as PyTorch does.
                Check(bias, $"bias_ih{suffix} and bias_hh{suffix}", 2, 3 * units);
                Reorder(bih, order, units, target[..(3 * units)]);
                Reorder(bhh, order, units, target[(3 * units)..]);
                return;
            }
            Check(bias, $"bias_ih{suffix} + bias_hh{suffix}", gates * units);
            for (int i = 0; i < target.Length; i++)
            {
                target[i] = bih[i] + bhh[i];
            }
        }

        private void Bias(int index, float[]? values)
        {
            if (values is null)
            {
                Count(index);
                return;
            }
            WeightInfo bias = Weight(index);
            Check(bias, "bias", values.Length);
            values.CopyTo(staged.AsSpan(bias.Offset, bias.Length));
            Count(index + 1);
        }

        private void Count(int used)
        {
            if (used != layer.WeightCount)
            {
                throw Error($"the module gives {used} arrays; the layer has {layer.WeightCount} ({string.Join(", ", Enumerable.Range(layer.FirstWeight, layer.WeightCount).Select(i => weights[i].Name))})");
            }
        }

        private static void Transpose(float[] source, int rows, int columns, Span<float> target)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    target[c * rows + r] = source[r * columns + c];
                }
            }
        }

        /// <summary>(gates·units, inputs) PyTorch rows to a Keras (inputs, gates·units) kernel, gate blocks in Keras order.</summary>
        private static void TransposeGates(float[] source, int[] order, int units, int inputs, Span<float> target)
        {
            int columns = order.Length * units;
            for (int g = 0; g < order.Length; g++)
            {
                for (int u = 0; u < units; u++)
                {
                    int row = order[g] * units + u;
                    for (int i = 0; i < inputs; i++)
                    {
                        target[i * columns + g * units + u] = source[row * inputs + i];
                    }
                }
            }
        }

        private static void Reorder(float[] source, int[] order, int units, Span<float> target)
        {
            for (int g = 0; g < order.Length; g++)
            {
                source.AsSpan(order[g] * units, units).CopyTo(target[(g * units)..]);
            }
        }
    }
}
