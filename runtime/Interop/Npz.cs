using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace StaticRnn;

/// <summary>One array of an <c>.npz</c> file: its name (without <c>.npy</c>), shape and values as floats.</summary>
public sealed record NpzArray(string Name, int[] Shape, float[] Values)
{
    /// <summary>The shape as numpy prints it: <c>(3, 4)</c>, <c>(5,)</c>.</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : "(" + string.Join(", ", Shape) + ")";
}

/// <summary>
/// Reads numpy's <c>.npz</c> files (<c>numpy.savez</c>, <c>numpy.savez_compressed</c>): a zip of <c>.npy</c> arrays,
/// little-endian float32 or float64, C order. Anything else is an <see cref="InvalidDataException"/> that says what.
/// </summary>
public static partial class Npz
{
    /// <summary>The largest array read (1 GiB): a damaged or hostile size field cannot make a huge allocation.</summary>
    public const int MaxArrayBytes = 1 << 30;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Every array of <paramref name="path"/>, in the file's order (for <c>savez</c>, the order they were given).</summary>
    public static IReadOnlyList<NpzArray> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using ZipArchive zip = OpenZip(path);
        var arrays = new List<NpzArray>();
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{path}: '{entry.FullName}' is not a .npy array; an .npz file holds only arrays.");
            }
            if (entry.Length > MaxArrayBytes)
            {
                throw new InvalidDataException($"{path}: '{entry.FullName}' claims {entry.Length} bytes; arrays of up to {MaxArrayBytes} bytes are read.");
            }
            using Stream stream = entry.Open();
            var bytes = new byte[entry.Length];
            stream.ReadExactly(bytes);
            arrays.Add(ParseNpy(entry.FullName[..^4], bytes, path));
        }
        return arrays;
    }

    private static ZipArchive OpenZip(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not an .npz file (not a zip archive: {e.Message}).", e);
        }
    }

    /// <summary>One <c>.npy</c> array: magic, version, header dict, then the data.</summary>
    internal static NpzArray ParseNpy(string name, ReadOnlySpan<byte> bytes, string path)
    {
        string where = $"{path}: array '{name}'";
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{where} is not a .npy array (no \\x93NUMPY magic).");
        }
        int major = bytes[6];
        int headerLength, start;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
            start = 10;
        }
        else if (major is 2 or 3 && bytes.Length >= 12)
        {
            headerLength = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]), int.MaxValue);
            start = 12;
        }
        else
        {
            throw new InvalidDataException($"{where} has .npy format version {major}; versions 1 to 3 are read.");
        }
        if (headerLength > bytes.Length - start)
        {
            throw new InvalidDataException($"{where} is truncated (its header claims {headerLength} bytes).");
        }
        string header = Encoding.Latin1.GetString(bytes.Slice(start, headerLength));
        string descr = Field(DescrPattern(), header, where, "descr");
        if (Field(FortranPattern(), header, where, "fortran_order") != "False")
        {
            throw new InvalidDataException($"{where} is stored in Fortran order; save it with numpy.ascontiguousarray first.");
        }
        string shapeText = Field(ShapePattern(), header, where, "shape");
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : throw new InvalidDataException($"{where} has the shape ({shapeText})."))
            .ToArray();
        long count = shape.Aggregate(1L, (a, d) => a * d);
        int size = descr switch
        {
            "<f4" or "|f4" => 4,
            "<f8" => 8,
            _ => throw new InvalidDataException($"{where} holds '{descr}' values; float32 ('<f4') or float64 ('<f8') arrays are read."),
        };
        ReadOnlySpan<byte> data = bytes[(start + headerLength)..];
        if (data.Length != count * size)
        {
            throw new InvalidDataException($"{where} has {data.Length} bytes of data; its shape ({shapeText}) of '{descr}' needs {count * size}.");
        }
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = size == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..])
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
        }
        return new NpzArray(name, shape, values);
    }

    private static string Field(Regex pattern, string header, string where, string field)
    {
        Match m = pattern.Match(header);
        return m.Success ? m.Groups[1].Value : throw new InvalidDataException($"{where}: its header has no '{field}' ({header.Trim()}).");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
