namespace StaticRnn;

/// <summary>
/// One layer of a generated network as Keras describes it, for exporters: its name and Keras type, the Keras config
/// values it has (<c>units</c>, <c>activation</c>, <c>return_sequences</c>, ... as Keras prints them), its weight arrays
/// (<paramref name="WeightCount"/> entries of <c>Weights</c> from <paramref name="FirstWeight"/> on) and its output
/// shape without the batch axis.
/// </summary>
public sealed record LayerInfo(string Name, string KerasType, IReadOnlyDictionary<string, string> Config, int FirstWeight, int WeightCount, IReadOnlyList<int> OutputShape)
{
    /// <summary>A config value, or an exception naming the layer and the key when the layer has none.</summary>
    public string this[string key] => Config.TryGetValue(key, out string? value) ? value
        : throw new KeyNotFoundException($"Layer '{Name}' ({KerasType}) has no config value '{key}'.");
}
