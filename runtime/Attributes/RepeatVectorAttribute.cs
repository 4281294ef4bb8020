namespace StaticRnn;

/// <summary>Keras <c>RepeatVector(n)</c>: repeats a vector n times into a sequence.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RepeatVectorAttribute(int n) : LayerAttribute
{
    /// <summary>Number of repetitions (time steps of the output).</summary>
    public int N { get; } = n;
}
