namespace StaticRnn.Generator.Emit;

/// <summary>
/// Identifiers of the generated code that one emitter writes and another reads: the layer methods' names and parameters,
/// and the offsets into a scratch buffer. Every emitter takes them from here, so none matches another's strings.
/// </summary>
internal static class Names
{
    /// <summary>The parameter buffer (<c>ref float</c>).</summary>
    public const string Parameters = "p";
    /// <summary>The gradient buffer, same layout as the parameters.</summary>
    public const string Gradient = "g";
    /// <summary>A layer's input rows.</summary>
    public const string Input = "x";
    /// <summary>A layer's tape region (its output rows and whatever else it keeps).</summary>
    public const string Region = "y";
    /// <summary>d loss / d a layer's output rows.</summary>
    public const string OutputGradient = "dy";
    /// <summary>d loss / d a layer's input rows (absent for the first layer).</summary>
    public const string InputGradient = "dx";
    /// <summary>Backward scratch shared by all layers.</summary>
    public const string Work = "work";
    /// <summary>The dropout generator (null in inference).</summary>
    public const string Random = "random";
    /// <summary>The padding mask of one sample: one float per step, 1 for a real step, 0 for padding.</summary>
    public const string Mask = "mask";
    /// <summary>One sample's tape.</summary>
    public const string Tape = "tape";
    /// <summary>In a Seq2Seq decoder, the encoder's output rows that attention attends over.</summary>
    public const string Memory = "enc";
    /// <summary>The padding mask of the encoder's output (when it has one).</summary>
    public const string MemoryMask = "encMask";
    /// <summary>d loss / d the encoder's output rows, which the decoder's attention layers add to.</summary>
    public const string MemoryGradient = "dEnc";
    /// <summary>
    /// d loss / d the states that link a Seq2Seq model's stacks: the encoder's last recurrent layer reads the gradient of its
    /// final states from it, the decoder's first recurrent layer writes the gradient of its initial states into it
    /// (h, then c for an LSTM, each a padded row; a Bidirectional layer's forward direction, then its backward one).
    /// </summary>
    public const string StateGradient = "dstate";

    /// <summary>Offsets into a scratch buffer (the network's state, or a shard's buffer of the same layout).</summary>
    public const string GradientOffset = "Gradient", TapeOffset = "Tape", DeltaAOffset = "DeltaA", DeltaBOffset = "DeltaB", WorkOffset = "Work",
        TokensOffset = "Tokens", GroupTapesOffset = "GroupTapes", MaskOffset = "MaskRow";

    /// <summary>The kernels of layer <paramref name="index"/> (0-based) are named <c>Layer{index + 1}...</c>.</summary>
    public static string Layer(int index) => "Layer" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Forward(string method) => method + "Forward";
    public static string Backward(string method) => method + "Backward";
    /// <summary>The forward kernel of a group of samples side by side.</summary>
    public static string ForwardGroup(string method) => method + "ForwardGroup";
    /// <summary>The forward kernel of a pair of samples sharing each weight load.</summary>
    public static string ForwardPair(string method) => method + "ForwardPair";

    /// <summary>The forward kernel of a layer over a whole group of samples at once (batched products).</summary>
    public static string ForwardBatch(string method) => method + "ForwardBatch";

    /// <summary>
    /// The signature of a layer's forward kernel: <c>(ref float p, ref float x, ref float {region})</c>, then the mask row
    /// for a layer that reads or writes it, and the dropout generator for a layer that draws random numbers.
    /// </summary>
    public static string ForwardSignature(string method, string region = Region, bool random = false, bool mask = false, bool memory = false, bool memoryMask = false)
        => $"private static void {Forward(method)}(ref float {Parameters}, ref float {Input}, ref float {region}{(mask ? $", ref float {Mask}" : "")}{MemoryParameters(memory, memoryMask, gradient: false)}{(random ? $", global::StaticRnn.SeededRandom? {Random}" : "")})";

    /// <summary>The forward kernel of a Seq2Seq decoder layer over steps <c>from</c> … <c>to - 1</c> (incremental decoding).</summary>
    public static string ForwardSteps(string method) => method + "ForwardSteps";

    /// <summary>The signature of <see cref="ForwardSteps"/>: the forward kernel's without the dropout generator, then <c>int from, int to</c>.</summary>
    public static string StepsSignature(string method, string region = Region, bool mask = false, bool memory = false, bool memoryMask = false)
        => $"private static void {ForwardSteps(method)}(ref float {Parameters}, ref float {Input}, ref float {region}{(mask ? $", ref float {Mask}" : "")}{MemoryParameters(memory, memoryMask, gradient: false)}, int from, int to)";

    /// <summary>The forward signature of <paramref name="layer"/>'s kernel: its mask, memory and dropout parameters as the layer uses them.</summary>
    public static string ForwardSignature(string method, Model.LayerSpec layer, string region = Region)
        => ForwardSignature(method, region, layer.UsesRandom, layer.UsesMask, layer.UsesMemory, layer.MemoryMasked);

    /// <summary>The arguments after <c>x, y</c> of a call to <paramref name="layer"/>'s forward kernel, named as in its signature.</summary>
    public static string ForwardArguments(Model.LayerSpec layer, bool random)
        => $"{(layer.UsesMask ? $", ref {Mask}" : "")}{MemoryArguments(layer, gradient: false)}{(random ? $", {Random}" : "")}";

    /// <summary>The arguments after <c>work</c> of a call to <paramref name="layer"/>'s backward kernel, named as in its signature.</summary>
    public static string BackwardArguments(Model.LayerSpec layer)
        => $"{(layer.BackwardUsesMask ? $", ref {Mask}" : "")}{MemoryArguments(layer, gradient: true)}{(layer.StateLink != Model.StateLink.None ? $", ref {StateGradient}" : "")}";

    private static string MemoryArguments(Model.LayerSpec layer, bool gradient)
        => layer.UsesMemory ? $", ref {Memory}{(gradient ? $", ref {MemoryGradient}" : "")}{(layer.MemoryMasked ? $", ref {MemoryMask}" : "")}" : "";

    private static string MemoryParameters(bool memory, bool memoryMask, bool gradient)
        => memory ? $", ref float {Memory}{(gradient ? $", ref float {MemoryGradient}" : "")}{(memoryMask ? $", ref float {MemoryMask}" : "")}" : "";

    /// <summary>
    /// The signature of a layer's backward kernel: <c>(ref float p, ref float x, ref float {region}, ref float dy, ref float g,
    /// [ref float dx,] ref float work[, ref float mask])</c>; dx only when a layer precedes this one, the mask only for a layer
    /// that reads it.
    /// </summary>
    public static string BackwardSignature(string method, bool inputGradient, string region = Region, bool mask = false, bool memory = false, bool memoryMask = false, bool stateGradient = false)
        => $"private static void {Backward(method)}(ref float {Parameters}, ref float {Input}, ref float {region}, ref float {OutputGradient}, ref float {Gradient}{(inputGradient ? $", ref float {InputGradient}" : "")}, ref float {Work}{(mask ? $", ref float {Mask}" : "")}{MemoryParameters(memory, memoryMask, gradient: true)}{(stateGradient ? $", ref float {StateGradient}" : "")})";

    /// <summary>The backward signature of <paramref name="layer"/>'s kernel: its mask, memory and state-gradient parameters as the layer uses them.</summary>
    public static string BackwardSignature(string method, Model.LayerSpec layer, bool inputGradient, string region = Region)
        => BackwardSignature(method, inputGradient, region, layer.BackwardUsesMask, layer.UsesMemory, layer.MemoryMasked, layer.StateLink != Model.StateLink.None);
}
