using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Forward outputs, losses and every gradient against TensorFlow.js (a port of the Keras layers) and, for the GRU
/// with reset_after=True that tfjs lacks, PyTorch's nn.GRU (weights mapped from Keras layout), for the networks in
/// Networks.cs, batch 1 and batch 7. Tolerance: 1e-5 relative with 1e-6 absolute.
/// </summary>
public class OracleTests
{
    private const double Relative = 1e-5, Absolute = 1e-6;

    [Fact] public void SeedModel() => Check<SeedModel>("seed_model");
    [Fact] public void DenseMlp() => Check<DenseMlp>("dense_mlp");
    [Fact] public void RnnReluBackwardsSeq() => Check<RnnReluBackwardsSeq>("rnn_relu_backwards_seq");
    [Fact] public void RnnSigmoidNoBiasSoftmax() => Check<RnnSigmoidNoBiasSoftmax>("rnn_sigmoid_nobias_softmax");
    [Fact] public void RnnLinearLast() => Check<RnnLinearLast>("rnn_linear_last");
    [Fact] public void RnnStackSeqSoftmax() => Check<RnnStackSeqSoftmax>("rnn_stack_seq_softmax");
    [Fact] public void RnnWideTail() => Check<RnnWideTail>("rnn_wide_tail");
    [Fact] public void LstmStack() => Check<LstmStack>("lstm_stack");
    [Fact] public void LstmReluNoBiasSeqSoftmax() => Check<LstmReluNoBiasSeqSoftmax>("lstm_relu_nobias_seq_softmax");
    [Fact] public void LstmWide() => Check<LstmWide>("lstm_wide");
    [Fact] public void GruResetBefore() => Check<GruResetBefore>("gru_reset_before");
    [Fact] public void BidiLstmConcatSeq() => Check<BidiLstmConcatSeq>("bidi_lstm_concat_seq");
    [Fact] public void BidiLstmSumLast() => Check<BidiLstmSumLast>("bidi_lstm_sum_last");
    [Fact] public void BidiGruMulSeq() => Check<BidiGruMulSeq>("bidi_gru_mul_seq");
    [Fact] public void BidiSimpleRnnAveLastStack() => Check<BidiSimpleRnnAveLastStack>("bidi_simple_rnn_ave_last_stack");
    [Fact] public void EmbeddingLstmDense() => Check<EmbeddingLstmDense>("embedding_lstm_dense");
    [Fact] public void EmbeddingBidiGruPool() => Check<EmbeddingBidiGruPool>("embedding_bidi_gru_pool");
    [Fact] public void GruResetAfter() => Check<GruResetAfter>("gru_reset_after", "torch");
    [Fact] public void GruResetAfterBackwardsSeq() => Check<GruResetAfterBackwardsSeq>("gru_reset_after_backwards_seq", "torch");

    // The attention family against PyTorch (tests/oracles/torch/make-attention-fixtures.py).
    [Fact] public void LayerNormDense() => Check<TorchLayerNormDense>("layer_norm_dense", "torch");
    [Fact] public void PositionEmbedding() => Check<TorchPositionEmbedding>("position_embedding", "torch");
    [Fact] public void LstmRepeatLstm() => Check<TorchLstmRepeatLstm>("lstm_repeat_lstm", "torch");
    [Fact] public void MultiHeadSelfAttention() => Check<TorchMhaSelf>("mha_self", "torch");
    [Fact] public void MultiHeadCausalWithoutBias() => Check<TorchMhaCausalNoBias>("mha_causal_nobias", "torch");
    [Fact] public void AttentionScaledCausal() => Check<TorchAttentionScaledCausal>("attention_scaled_causal", "torch");
    [Fact] public void AttentionConcat() => Check<TorchAttentionConcat>("attention_concat", "torch");
    [Fact] public void TransformerEncoderPostNorm() => Check<TorchTransformerPost>("transformer_post", "torch");
    [Fact] public void TransformerEncoderPreNormCausal() => Check<TorchTransformerPreCausal>("transformer_pre_causal", "torch");
    [Fact] public void TokenAndPositionTransformer() => Check<TorchTokenPositionTransformer>("token_position_transformer", "torch");

    private static void Check<TNet>(string name, string oracle = "tfjs") where TNet : IStaticNetwork<TNet>, new()
    {
        Fixture fixture = Fixture.Load(oracle, name);
        var network = new TNet();
        Assert.Equal(fixture.ParameterCount, TNet.ParameterCount);
        Assert.Equal(fixture.Weights.Select(w => w.Name), network.Weights.Select(w => w.Name));
        foreach (var (theirs, ours) in fixture.Weights.Zip(network.Weights))
        {
            Assert.Equal(theirs.Shape, ours.Shape);
            theirs.Values.CopyTo(network.Parameters.Slice(ours.Offset, ours.Length));
        }
        Assert.Equal(2, fixture.Runs.Count);
        foreach (FixtureRun run in fixture.Runs)
        {
            string at = $"{name} batch {run.Batch}";
            var output = new float[run.Batch * TNet.OutputSize];
            network.Predict(run.X, output, run.Batch);
            Tolerance.Close(run.Output, output, Relative, Absolute, $"{at} output");

            var gradients = new float[TNet.ParameterCount];
            float loss = network.Gradients(run.X, run.Y, run.Batch, gradients);
            Tolerance.Close([run.Loss], [loss], Relative, Absolute, $"{at} loss");
            Tolerance.Close([run.Loss], [network.ComputeLoss(run.X, run.Y, run.Batch)], Relative, Absolute, $"{at} ComputeLoss");
            foreach (var (theirs, ours) in run.Gradients.Zip(network.Weights))
            {
                Assert.Equal(ours.Name, theirs.Name);
                Tolerance.Close(theirs.Values, gradients.AsSpan(ours.Offset, ours.Length), Relative, Absolute, $"{at} d loss/d {ours.Name}");
            }
        }
    }
}
