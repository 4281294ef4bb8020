namespace StaticRnn;

/// <summary>What <c>Fit</c> returns: the per-epoch losses, like Keras <c>History.history</c>.</summary>
public sealed class History
{
    private readonly List<float> _loss = [];
    private readonly List<float> _validationLoss = [];

    /// <summary>Mean training loss of each epoch (Keras <c>history["loss"]</c>).</summary>
    public IReadOnlyList<float> Loss => _loss;
    /// <summary>Validation loss after each epoch (Keras <c>history["val_loss"]</c>); empty without a validation split.</summary>
    public IReadOnlyList<float> ValidationLoss => _validationLoss;
    /// <summary>Epochs run.</summary>
    public int Epochs => _loss.Count;

    internal void Add(float loss, float? validationLoss)
    {
        _loss.Add(loss);
        if (validationLoss is { } v)
        {
            _validationLoss.Add(v);
        }
    }
}
