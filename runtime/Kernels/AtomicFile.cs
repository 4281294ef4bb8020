using System.ComponentModel;

namespace StaticRnn.Kernels;

/// <summary>
/// How StaticRnn and its side packages write a file: to a temporary file beside it (unique, so that two writers to one
/// path cannot mix their bytes), then flushed and renamed into place, so a crash never leaves a partial file.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="bytes"/>, flushed to the disk before the rename.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, temporary =>
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>
    /// Lets <paramref name="write"/> create the temporary file whose path it is given (ending in <paramref name="extension"/>,
    /// for writers that go by it), then renames it to <paramref name="path"/>.
    /// </summary>
    public static void Write(string path, Action<string> write, string extension = ".tmp")
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = $"{full}.{Guid.NewGuid():N}{extension}";
        write(temporary);
        File.Move(temporary, full, overwrite: true);
    }
}
