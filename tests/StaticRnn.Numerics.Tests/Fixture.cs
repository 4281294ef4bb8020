using System.Text.Json;
using System.Text.Json.Serialization;

namespace StaticRnn.Numerics.Tests;

/// <summary>One oracle fixture written by tests/oracles/tfjs/make-fixtures.mjs.</summary>
public sealed class Fixture
{
    [JsonPropertyName("case")] public string Case { get; set; } = "";
    [JsonPropertyName("loss")] public string Loss { get; set; } = "";
    [JsonPropertyName("input_shape")] public int[] InputShape { get; set; } = [];
    [JsonPropertyName("parameter_count")] public int ParameterCount { get; set; }
    [JsonPropertyName("weights")] public List<FixtureWeight> Weights { get; set; } = [];
    [JsonPropertyName("runs")] public List<FixtureRun> Runs { get; set; } = [];

    /// <summary>Loads <c>Fixtures/{oracle}/{name}.json</c> (oracle: <c>tfjs</c> or <c>torch</c>).</summary>
    public static Fixture Load(string oracle, string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", oracle, name + ".json");
        return JsonSerializer.Deserialize<Fixture>(File.ReadAllText(path)) ?? throw new InvalidDataException(path);
    }
}

public sealed class FixtureWeight
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("shape")] public int[] Shape { get; set; } = [];
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
}

public sealed class FixtureRun
{
    [JsonPropertyName("batch")] public int Batch { get; set; }
    [JsonPropertyName("x")] public float[] X { get; set; } = [];
    [JsonPropertyName("y")] public float[] Y { get; set; } = [];
    [JsonPropertyName("output")] public float[] Output { get; set; } = [];
    [JsonPropertyName("loss")] public float Loss { get; set; }
    [JsonPropertyName("gradients")] public List<FixtureGradient> Gradients { get; set; } = [];
}

public sealed class FixtureGradient
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
}
