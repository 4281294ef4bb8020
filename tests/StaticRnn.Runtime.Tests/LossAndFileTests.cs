using Xunit;

namespace StaticRnn.Runtime.Tests;

public class LossTests
{
    [Fact]
    public void RowLossesAndGradientsAgainstHandValues()
    {
        float[] p = [0.2f, 0.5f, 0.3f], g = new float[3];
        float[] t = [0f, 1f, 0f];
        // MSE: (0.04 + 0.25 + 0.09) = 0.38; gradient 2·scale·(p - t).
        Assert.Equal(0.38f, Losses.MeanSquaredError(ref p[0], ref t[0], ref g[0], 3, 0.5f, true), 5);
        Assert.Equal([0.2f, -0.5f, 0.3f], g.Select(v => MathF.Round(v, 5)));
        // Sparse CE of class 1: -ln 0.5; gradient -scale / p at the class only.
        Assert.Equal(MathF.Log(2), Losses.SparseCategoricalCrossentropy(ref p[0], 1f, ref g[0], 3, 1f, true), 5);
        Assert.Equal([0f, -2f, 0f], g);
        // Categorical CE with a one-hot target is the same number.
        Assert.Equal(MathF.Log(2), Losses.CategoricalCrossentropy(ref p[0], ref t[0], ref g[0], 3, 1f, true), 5);
        // BCE: -(ln 0.8 + ln 0.5 + ln 0.7).
        Assert.Equal(-(MathF.Log(0.8f) + MathF.Log(0.5f) + MathF.Log(0.7f)), Losses.BinaryCrossentropy(ref p[0], ref t[0], ref g[0], 3, 1f, true), 5);
    }

    [Fact]
    public void ProbabilitiesAreClippedAsKerasDoes()
    {
        float[] p = [0f], t = [1f], g = [9f];
        Assert.Equal(-MathF.Log(1e-7f), Losses.BinaryCrossentropy(ref p[0], ref t[0], ref g[0], 1, 1f, true), 3);
        Assert.Equal(0f, g[0]); // the clip is active: no gradient flows, as with Keras's clip_by_value
    }
}

public class WeightsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("staticrnn-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly WeightInfo[] s_layout = [new("dense/kernel", [3, 2], 0, 6), new("dense/bias", [2], 6, 2)];

    [Fact]
    public void RoundTripsExactly()
    {
        string path = Path.Combine(_dir, "w.bin");
        float[] p = [1, -2, 3.5f, float.Epsilon, -0f, 1e30f, 7, 8];
        WeightsFile.Save(path, s_layout, p);
        var q = new float[8];
        WeightsFile.Load(path, s_layout, q);
        Assert.Equal(p.Select(BitConverter.SingleToInt32Bits), q.Select(BitConverter.SingleToInt32Bits));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void WrongShapeDamageOrNonsenseChangeNothing()
    {
        string path = Path.Combine(_dir, "w.bin");
        WeightsFile.Save(path, s_layout, [1, 2, 3, 4, 5, 6, 7, 8]);
        float[] target = [9, 9, 9, 9, 9, 9, 9, 9, 9, 9];

        WeightInfo[] other = [new("dense/kernel", [4, 2], 0, 8), new("dense/bias", [2], 8, 2)];
        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, other, target));
        Assert.Contains("dense/kernel (3, 2) where this network expects dense/kernel (4, 2)", e.Message);

        byte[] bytes = File.ReadAllBytes(path);
        bytes[40] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, s_layout, target)).Message);

        File.WriteAllText(path, "not weights at all");
        Assert.Contains("not a StaticRnn weights file", Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, s_layout, target)).Message);
        Assert.All(target, v => Assert.Equal(9, v));
    }

    [Fact]
    public void MalformedHeadersWithAValidChecksumAreInvalidData()
    {
        string path = Path.Combine(_dir, "w.bin");
        WeightsFile.Save(path, s_layout, [1, 2, 3, 4, 5, 6, 7, 8]);
        byte[] bytes = File.ReadAllBytes(path);
        // Claim a 1,000-byte name for the first array, then re-seal the checksum so only the structure is wrong.
        BitConverter.GetBytes(1000).CopyTo(bytes, 12);
        BitConverter.GetBytes(WeightsFile.Crc32(bytes.AsSpan(0, bytes.Length - 4))).CopyTo(bytes, bytes.Length - 4);
        File.WriteAllBytes(path, bytes);
        float[] target = new float[8];
        Assert.Contains("malformed", Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, s_layout, target)).Message);
        Assert.All(target, v => Assert.Equal(0, v));

        // Extra bytes after the last array are refused too.
        WeightsFile.Save(path, s_layout, [1, 2, 3, 4, 5, 6, 7, 8]);
        bytes = File.ReadAllBytes(path);
        byte[] longer = [.. bytes.AsSpan(0, bytes.Length - 4), 0, 0, 0, 0, 0, 0, 0, 0];
        longer = [.. longer, .. BitConverter.GetBytes(WeightsFile.Crc32(longer))];
        File.WriteAllBytes(path, longer);
        Assert.Contains("after its last array", Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, s_layout, target)).Message);
    }

    [Fact]
    public void Crc32MatchesTheStandardCheckValue() => Assert.Equal(0xCBF43926u, WeightsFile.Crc32("123456789"u8));
}
