namespace StaticRnn.Generator;

/// <summary>Names of the incremental pipeline's steps, for caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Build = nameof(Build);
    public const string Emit = nameof(Emit);
    public const string ParseSeq2Seq = nameof(ParseSeq2Seq);
    public const string BuildSeq2Seq = nameof(BuildSeq2Seq);
    public const string EmitSeq2Seq = nameof(EmitSeq2Seq);
}
