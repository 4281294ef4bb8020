namespace StaticRnn.Benchmarks;

/// <summary>
/// The baseline: the seed model's math (SimpleRNN(5, seq) → SimpleRNN(3) → Dense(10), tanh, MSE, Adam) written as a
/// plain C# programmer would, with loops over runtime sizes and no vectors, on the same Keras weight layout. The
/// benchmark checks that it computes the same loss as the generated code before timing anything.
/// </summary>
public sealed class ScalarSeedModel
{
    private const int T = 10, F = 8, U1 = 5, U2 = 3, O = 10;
    private readonly float[] _p;
    private readonly float[] _g;
    private readonly ScalarAdam _adam;
    private readonly float[] _h1 = new float[(T + 1) * U1], _h2 = new float[(T + 1) * U2], _y = new float[O];
    private readonly float[] _dh1 = new float[T * U1], _dz = new float[U1], _dnext = new float[U1], _dh2next = new float[U2], _dz2 = new float[U2];
    private readonly float[] _dy = new float[O], _dlast = new float[U2]; // reused: the baseline allocates nothing per call either

    // Offsets of the Keras weights in the flat buffer.
    private const int W1 = 0, R1 = W1 + F * U1, B1 = R1 + U1 * U1, W2 = B1 + U1, R2 = W2 + U1 * U2, B2 = R2 + U2 * U2, WD = B2 + U2, BD = WD + U2 * O, Count = BD + O;

    public ScalarSeedModel(ReadOnlySpan<float> parameters)
    {
        _p = parameters.ToArray();
        _g = new float[Count];
        _adam = new ScalarAdam(Count);
    }

    public void Predict(float[] x, float[] outputs, int batch)
    {
        for (int s = 0; s < batch; s++)
        {
            Forward(x, s * T * F);
            Array.Copy(_y, 0, outputs, s * O, O);
        }
    }

    public float TrainStep(float[] x, float[] targets, int batch)
    {
        Array.Clear(_g);
        double loss = 0;
        float scale = 1f / (batch * O);
        for (int s = 0; s < batch; s++)
        {
            Forward(x, s * T * F);
            float[] dy = _dy;
            for (int o = 0; o < O; o++)
            {
                float d = _y[o] - targets[s * O + o];
                loss += d * d;
                dy[o] = 2 * scale * d;
            }
            Backward(x, s * T * F, dy);
        }
        _adam.Step(_p, _g);
        return (float)(loss * scale);
    }

    private void Forward(float[] x, int offset)
    {
        for (int t = 0; t < T; t++)
        {
            for (int j = 0; j < U1; j++)
            {
                float a = _p[B1 + j];
                for (int i = 0; i < F; i++) a += x[offset + t * F + i] * _p[W1 + i * U1 + j];
                for (int k = 0; k < U1; k++) a += _h1[t * U1 + k] * _p[R1 + k * U1 + j];
                _h1[(t + 1) * U1 + j] = MathF.Tanh(a);
            }
        }
        for (int t = 0; t < T; t++)
        {
            for (int j = 0; j < U2; j++)
            {
                float a = _p[B2 + j];
                for (int i = 0; i < U1; i++) a += _h1[(t + 1) * U1 + i] * _p[W2 + i * U2 + j];
                for (int k = 0; k < U2; k++) a += _h2[t * U2 + k] * _p[R2 + k * U2 + j];
                _h2[(t + 1) * U2 + j] = MathF.Tanh(a);
            }
        }
        for (int o = 0; o < O; o++)
        {
            float a = _p[BD + o];
            for (int i = 0; i < U2; i++) a += _h2[T * U2 + i] * _p[WD + i * O + o];
            _y[o] = a;
        }
    }

    private void Backward(float[] x, int offset, float[] dy)
    {
        float[] dlast = _dlast;
        Array.Clear(dlast);
        for (int o = 0; o < O; o++)
        {
            _g[BD + o] += dy[o];
            for (int i = 0; i < U2; i++)
            {
                _g[WD + i * O + o] += _h2[T * U2 + i] * dy[o];
                dlast[i] += _p[WD + i * O + o] * dy[o];
            }
        }
        Array.Clear(_dh1);
        Array.Copy(dlast, _dh2next, U2);
        for (int t = T - 1; t >= 0; t--)
        {
            for (int j = 0; j < U2; j++)
            {
                float h = _h2[(t + 1) * U2 + j];
                _dz2[j] = _dh2next[j] * (1 - h * h);
            }
            Array.Clear(_dh2next);
            for (int j = 0; j < U2; j++)
            {
                _g[B2 + j] += _dz2[j];
                for (int i = 0; i < U1; i++)
                {
                    _g[W2 + i * U2 + j] += _h1[(t + 1) * U1 + i] * _dz2[j];
                    _dh1[t * U1 + i] += _p[W2 + i * U2 + j] * _dz2[j];
                }
                for (int k = 0; k < U2; k++)
                {
                    _g[R2 + k * U2 + j] += _h2[t * U2 + k] * _dz2[j];
                    _dh2next[k] += _p[R2 + k * U2 + j] * _dz2[j];
                }
            }
        }
        Array.Clear(_dnext);
        for (int t = T - 1; t >= 0; t--)
        {
            for (int j = 0; j < U1; j++)
            {
                float h = _h1[(t + 1) * U1 + j];
                _dz[j] = (_dnext[j] + _dh1[t * U1 + j]) * (1 - h * h);
            }
            Array.Clear(_dnext);
            for (int j = 0; j < U1; j++)
            {
                _g[B1 + j] += _dz[j];
                for (int i = 0; i < F; i++) _g[W1 + i * U1 + j] += x[offset + t * F + i] * _dz[j];
                for (int k = 0; k < U1; k++)
                {
                    _g[R1 + k * U1 + j] += _h1[t * U1 + k] * _dz[j];
                    _dnext[k] += _p[R1 + k * U1 + j] * _dz[j];
                }
            }
        }
    }
}
