namespace StaticRnn.Samples;

/// <summary>Where a sample writes its pictures: <c>samples/&lt;sample&gt;/out/</c> in this repository (git-ignored), else <c>./out/</c>.</summary>
public static class Pictures
{
    public static string Directory(string sample)
    {
        string data = NpmDataset.DefaultCache(sample);
        string dir = Path.Combine(Path.GetDirectoryName(data) ?? ".", "out");
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }
}
