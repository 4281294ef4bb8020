namespace StaticRnn;

/// <summary>What <c>Fit</c> returns: the per-epoch losses and metrics, like Keras <c>History.history</c>.</summary>
public sealed class History
{
    private readonly Dictionary<string, List<float>> _values = [];
    private readonly List<string> _keys = [];

    /// <summary>Mean training loss of each epoch (Keras <c>history["loss"]</c>).</summary>
    public IReadOnlyList<float> Loss => this["loss"];
    /// <summary>Validation loss after each epoch (Keras <c>history["val_loss"]</c>); empty without a validation split.</summary>
    public IReadOnlyList<float> ValidationLoss => _values.TryGetValue("val_loss", out List<float>? v) ? v : [];
    /// <summary>Epochs run.</summary>
    public int Epochs => Loss.Count;

    /// <summary>The logged keys in the order <c>Fit</c> reports them: <c>loss</c>, the metrics, then the <c>val_</c> ones.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The values of <paramref name="key"/> per epoch (<c>history["accuracy"]</c>); an unknown key throws, naming those logged.</summary>
    public IReadOnlyList<float> this[string key]
        => _values.TryGetValue(key, out List<float>? v) ? v
            : key == "loss" ? [] : throw new KeyNotFoundException($"History has no '{key}'; it has {string.Join(", ", _keys.Select(k => $"'{k}'"))}.");

    /// <summary>
    /// Appends one epoch's values, as a training loop of its own (one <c>Fit</c> per epoch, say) keeps its history: the
    /// first call sets the keys, in the dictionary's order; later calls must give the same keys.
    /// </summary>
    public void Append(IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (_keys.Count > 0 && (logs.Count != _keys.Count || _keys.Any(k => !logs.ContainsKey(k))))
        {
            throw new ArgumentException($"This history has {string.Join(", ", _keys)}; the epoch appended has {string.Join(", ", logs.Keys)}.", nameof(logs));
        }
        Add(_keys.Count > 0 ? _keys.ToArray() : logs.Keys.ToArray(), logs);
    }

    internal void Add(IReadOnlyList<string> keys, IReadOnlyDictionary<string, float> logs)
    {
        foreach (string key in keys)
        {
            if (!_values.TryGetValue(key, out List<float>? list))
            {
                _values[key] = list = [];
                _keys.Add(key);
            }
            list.Add(logs[key]);
        }
    }
}
