namespace StaticRnn;

/// <summary>Keras <c>GlobalAveragePooling1D</c>: mean over the time axis.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : LayerAttribute
{
}
