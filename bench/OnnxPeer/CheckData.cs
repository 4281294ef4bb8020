using System.Text.Json;

namespace OnnxPeer;

/// <summary>One tensor of a NAME.check.json file: float32 data in <see cref="Floats"/>, int64 in <see cref="Longs"/>.</summary>
internal sealed record TensorData(string Name, long[] Shape, float[]? Floats, long[]? Longs)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The reference written by bench/peers/export_onnx.py next to each model: a seeded input, PyTorch's
/// output for it and, for the streaming models, a chain of steps each fed the previous step's state.
/// </summary>
internal sealed class CheckData
{
    public required Dictionary<string, TensorData> Inputs { get; init; }
    public required Dictionary<string, TensorData> Outputs { get; init; }
    public float[] StreamX { get; init; } = [];
    public float[] StreamY { get; init; } = [];

    public static CheckData Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"missing reference {path}: run bench/peers/export_onnx.py", path);
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var stream = root.TryGetProperty("stream", out var s) ? s : (JsonElement?)null;
        return new CheckData
        {
            Inputs = ReadTensors(root.GetProperty("inputs")),
            Outputs = ReadTensors(root.GetProperty("outputs")),
            StreamX = stream is { } sx ? ReadFloats(sx.GetProperty("x")) : [],
            StreamY = stream is { } sy ? ReadFloats(sy.GetProperty("y")) : [],
        };
    }

    private static Dictionary<string, TensorData> ReadTensors(JsonElement obj)
    {
        var result = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            long[] shape = [.. p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
            var data = p.Value.GetProperty("data");
            result[p.Name] = p.Value.GetProperty("dtype").GetString() switch
            {
                "float32" => new TensorData(p.Name, shape, ReadFloats(data), null),
                "int64" => new TensorData(p.Name, shape, null, [.. data.EnumerateArray().Select(e => e.GetInt64())]),
                var t => throw new CheckFailedException($"unsupported dtype '{t}' for '{p.Name}'"),
            };
        }
        return result;
    }

    private static float[] ReadFloats(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)e.GetDouble())];
}
