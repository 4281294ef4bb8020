using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// KerasHub <c>TokenAndPositionEmbedding(vocabulary_size, sequence_length, embedding_dim)</c>: token ids (the first
/// layer, on a (timesteps) input) to <c>token_embedding[id_t] + position_embedding[t]</c>. Its weights are the token
/// table, then the position table (<c>sequenceLength</c> rows, of which the first timesteps are used).
/// </summary>
internal sealed record TokenAndPositionEmbeddingSpec(int VocabularySize, int SequenceLength, int EmbeddingDim) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(3, out int[] v) ? new TokenAndPositionEmbeddingSpec(v[0], v[1], v[2]) { MaskZero = a.Bool("MaskZero", false) } : null;

    public override string KerasType => "TokenAndPositionEmbedding";
    public override string AutoNamePrefix => "token_and_position_embedding";
    public override bool TakesTokens => true;

    /// <summary>Keras <c>mask_zero</c>: id 0 is padding, and the layer makes the mask the later layers read.</summary>
    public bool MaskZero { get; init; }

    public override bool ProducesMask => MaskZero;
    public override int Vocabulary => VocabularySize;
    public override long MultiplyAdds => 0; // a table lookup

    /// <summary>The token table part, placed.</summary>
    public EmbeddingSpec? Tokens { get; init; }

    /// <summary>The position table part, placed.</summary>
    public PositionEmbeddingSpec? Positions { get; init; }

    public override void Validate(LayerChecks check)
    {
        check.Positive("vocabularySize", VocabularySize);
        check.Positive("sequenceLength", SequenceLength);
        check.Positive("embeddingDim", EmbeddingDim);
        EmbeddingSpec.TokenInput(check);
    }

    public override int[]? InferOutputShape(ShapeChecks check)
    {
        if (check.Input[0] > SequenceLength)
        {
            check.Fail($"the input has {NetworkBuilder.Count(check.Input[0])} tokens but sequenceLength is {NetworkBuilder.Count(SequenceLength)}; raise sequenceLength to at least the input length");
            return null;
        }
        return new[] { check.Input[0], EmbeddingDim };
    }

    public override IReadOnlyList<(LayerSpec Part, int[] Input)> Parts() => new (LayerSpec, int[])[]
    {
        (new EmbeddingSpec(VocabularySize, EmbeddingDim) { Index = Index, Name = "token_embedding" }, InputShape.ToArray()),
        (new PositionEmbeddingSpec(SequenceLength) { Index = Index, Name = "position_embedding" }, new[] { InputShape[0], EmbeddingDim }),
    };

    public override LayerSpec WithPlacedParts(IReadOnlyList<LayerSpec> parts) => this with { Tokens = (EmbeddingSpec)parts[0], Positions = (PositionEmbeddingSpec)parts[1] };
}

internal static partial class LayerCatalog
{
    internal static readonly string TokenAndPositionEmbedding = Register("TokenAndPositionEmbeddingAttribute", TokenAndPositionEmbeddingSpec.Parse);
}
