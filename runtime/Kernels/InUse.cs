using System.ComponentModel;

namespace StaticRnn.Kernels;

/// <summary>
/// Marks a generated network busy for the length of one call, so that a second call on the same instance (from another
/// thread, or from inside the first, such as an optimizer that predicts) throws instead of sharing its work buffers. It
/// costs one atomic exchange on entry and one store on exit.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct InUse
{
    private readonly ref int _flag;

    /// <summary>Claims <paramref name="flag"/> (0 free, 1 busy) or throws <see cref="InvalidOperationException"/>.</summary>
    public InUse(ref int flag)
    {
        if (Interlocked.Exchange(ref flag, 1) != 0)
        {
            throw new InvalidOperationException("This network is already running a call, on another thread or one that called back into it. An instance owns its work buffers and is not thread-safe: use one instance per thread.");
        }
        _flag = ref flag;
    }

    /// <summary>Frees the instance for the next call.</summary>
    public readonly void Dispose() => Volatile.Write(ref _flag, 0);
}
