namespace StaticRnn;

/// <summary>Adds a learned (timesteps, features) table to a float sequence (KerasHub <c>PositionEmbedding</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PositionEmbeddingAttribute : LayerAttribute
{
}
