namespace StaticRnn.Benchmarks;

/// <summary>
/// The baseline of cases b to f: an optional Embedding, one LSTM or GRU layer that returns its last state, and a
/// Dense(1) head (linear or sigmoid), trained with MSE or binary cross-entropy, full backpropagation through time and
/// Adam. Written as a plain C# programmer would: loops over runtime sizes, no vectors, one thread, one sample at a
/// time. It reads the generated network's <c>Parameters</c> (Keras <c>get_weights()</c> order, each array row-major):
/// <c>[embeddings (vocabulary, input)]</c>, kernel <c>(input, gates·units)</c>, recurrent kernel
/// <c>(units, gates·units)</c>, bias (<c>gates·units</c>, or GRU's <c>(2, 3·units)</c>: input bias row, then recurrent
/// bias row), dense kernel <c>(units, 1)</c>, dense bias <c>(1)</c>.
/// </summary>
/// <remarks>
/// This class owns what LSTM and GRU share: the input, the two matrix products of each time step
/// (<c>x·W + b_in</c> and <c>h·U + b_rec</c>) and their backward products, the head, the loss and Adam. A subclass
/// supplies the gate math of one time step, forward and backward.
/// </remarks>
public abstract class ScalarRecurrentNetwork
{
    /// <summary>Time steps, input width of the recurrent layer, units, gates (LSTM 4, GRU 3).</summary>
    protected readonly int Steps, Inputs, Units, Gates;
    private readonly int _vocabulary;
    private readonly Activation _head;
    private readonly Loss _loss;
    private readonly bool _stateful;

    // Offsets into the flat parameter buffer; _recurrentBias is -1 when the layer has a single bias (LSTM).
    private readonly int _kernel, _recurrentKernel, _inputBias, _recurrentBias, _denseKernel, _denseBias;
    private readonly float[] _p, _g;
    private readonly ScalarAdam _adam;

    /// <summary>Per time step t: the layer's input <c>X[t, Inputs]</c>, the products <c>XW[t, G·U] = x_t·W + b_in</c>
    /// and <c>HU[t, G·U] = h_{t-1}·U (+ b_rec)</c>; <c>H[t, U]</c> is the state before step t (H[Steps] the last one).</summary>
    protected readonly float[] X, XW, HU, H;

    /// <summary>Backward: d(loss)/d(h) flowing from step t to step t-1.</summary>
    protected readonly float[] DH;

    private readonly float[] _dxw, _dhu;
    private int _sample;

    protected ScalarRecurrentNetwork(ReadOnlySpan<float> parameters, int gates, bool recurrentBias, int steps, int inputs, int units,
        int vocabulary, Activation head, Loss loss, bool stateful)
    {
        (Steps, Inputs, Units, Gates) = (steps, inputs, units, gates);
        (_vocabulary, _head, _loss, _stateful) = (vocabulary, head, loss, stateful);
        int gu = gates * units;
        _kernel = vocabulary * inputs;
        _recurrentKernel = _kernel + inputs * gu;
        _inputBias = _recurrentKernel + units * gu;
        _recurrentBias = recurrentBias ? _inputBias + gu : -1;
        _denseKernel = _inputBias + (recurrentBias ? 2 : 1) * gu;
        _denseBias = _denseKernel + units;
        int count = _denseBias + 1;
        if (parameters.Length != count)
        {
            throw new ArgumentException($"Expected {count} parameters for this network, got {parameters.Length}.", nameof(parameters));
        }
        _p = parameters.ToArray();
        _g = new float[count];
        _adam = new ScalarAdam(count);
        X = new float[steps * inputs];
        XW = new float[steps * gu];
        HU = new float[steps * gu];
        H = new float[(steps + 1) * units];
        DH = new float[units];
        _dxw = new float[gu];
        _dhu = new float[gu];
    }

    /// <summary>Forward pass of one sample (the floats or token ids of <paramref name="sample"/>): one output each.</summary>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batch) => Predict(inputs, [], outputs, batch);

    /// <inheritdoc cref="Predict(ReadOnlySpan{float}, Span{float}, int)"/>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> outputs, int batch) => Predict([], tokens, outputs, batch);

    /// <summary>One Adam step on the batch; returns the mean loss before the step.</summary>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch) => TrainStep(inputs, [], targets, batch);

    /// <inheritdoc cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>
    public float TrainStep(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, int batch) => TrainStep([], tokens, targets, batch);

    /// <summary>Zeroes the recurrent state (what a stateful network carries from call to call).</summary>
    public void ResetStates()
    {
        Array.Clear(H, 0, Units);
        ClearState();
    }

    private void Predict(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, Span<float> outputs, int batch)
    {
        if (_stateful && batch != 1)
        {
            throw new ArgumentException("The stateful baseline keeps the state of one sample only.", nameof(batch));
        }
        for (int s = 0; s < batch; s++)
        {
            outputs[s] = Forward(inputs, tokens, s);
        }
    }

    private float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, int batch)
    {
        if (_stateful)
        {
            throw new NotSupportedException("The baseline trains stateless networks only.");
        }
        Array.Clear(_g);
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            float y = Forward(inputs, tokens, s);
            loss += Loss(y, targets[s], 1f / batch, out float dy);
            Backward(tokens, dy);
        }
        _adam.Step(_p, _g);
        return (float)(loss / batch);
    }

    /// <summary>The loss of one output and <c>scale · d(loss)/d(head pre-activation)</c>; probabilities clipped as Keras does.</summary>
    private float Loss(float y, float target, float scale, out float dz)
    {
        if (_loss == StaticRnn.Loss.MeanSquaredError)
        {
            float d = y - target;
            dz = 2 * scale * d * HeadDerivative(y);
            return d * d;
        }
        const float eps = 1e-7f;
        float p = Math.Clamp(y, eps, 1 - eps);
        bool clipped = y < eps || y > 1 - eps;
        dz = clipped ? 0 : scale * (-target / p + (1 - target) / (1 - p)) * HeadDerivative(y);
        return (float)-(target * Math.Log(p) + (1 - target) * Math.Log(1 - p));
    }

    private float HeadDerivative(float y) => _head == Activation.Sigmoid ? y * (1 - y) : 1;

    private float Forward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, int sample)
    {
        _sample = sample;
        for (int t = 0; t < Steps; t++)
        {
            for (int i = 0; i < Inputs; i++)
            {
                X[t * Inputs + i] = _vocabulary > 0
                    ? _p[tokens[sample * Steps + t] * Inputs + i]
                    : inputs[(sample * Steps + t) * Inputs + i];
            }
        }
        if (!_stateful)
        {
            ResetStates();
        }
        for (int t = 0; t < Steps; t++)
        {
            Products(t);
            CellForward(t);
        }
        if (_stateful)
        {
            // The last state of this call is the first one of the next call.
            Array.Copy(H, Steps * Units, H, 0, Units);
            CarryState();
        }
        float y = _p[_denseBias];
        for (int k = 0; k < Units; k++)
        {
            y += H[Steps * Units + k] * _p[_denseKernel + k];
        }
        return _head == Activation.Sigmoid ? 1 / (1 + MathF.Exp(-y)) : y;
    }

    /// <summary>XW[t] = x_t·W + b_in and HU[t] = h_{t-1}·U (+ b_rec), row by row over the row-major kernels.</summary>
    private void Products(int t)
    {
        Span<float> xw = Row(XW, 0, t), hu = Row(HU, 0, t);
        Row(_p, _inputBias).CopyTo(xw);
        if (_recurrentBias >= 0) Row(_p, _recurrentBias).CopyTo(hu);
        else hu.Clear();
        for (int i = 0; i < Inputs; i++) AddScaled(xw, X[t * Inputs + i], Row(_p, _kernel, i));
        for (int k = 0; k < Units; k++) AddScaled(hu, H[t * Units + k], Row(_p, _recurrentKernel, k));
    }

    /// <summary>Backpropagation through time from d(loss)/d(head pre-activation) <paramref name="dz"/> of the current sample.</summary>
    private void Backward(ReadOnlySpan<int> tokens, float dz)
    {
        _g[_denseBias] += dz;
        for (int k = 0; k < Units; k++)
        {
            _g[_denseKernel + k] += H[Steps * Units + k] * dz;
            DH[k] = _p[_denseKernel + k] * dz;
        }
        ClearState();
        for (int t = Steps - 1; t >= 0; t--)
        {
            CellBackward(t, _dxw, _dhu);
            BackwardProducts(t, tokens);
        }
    }

    /// <summary>
    /// The gradients of the two products of step t from d(loss)/d(XW[t]) and d(loss)/d(HU[t]): the kernels and biases,
    /// d(loss)/d(h_{t-1}) added into <see cref="DH"/> and, for a token network, d(loss)/d(x_t) added into the token's
    /// embedding row.
    /// </summary>
    private void BackwardProducts(int t, ReadOnlySpan<int> tokens)
    {
        AddScaled(Row(_g, _inputBias), 1, _dxw);
        if (_recurrentBias >= 0) AddScaled(Row(_g, _recurrentBias), 1, _dhu);
        for (int i = 0; i < Inputs; i++)
        {
            AddScaled(Row(_g, _kernel, i), X[t * Inputs + i], _dxw);
            if (_vocabulary > 0) _g[tokens[_sample * Steps + t] * Inputs + i] += Dot(Row(_p, _kernel, i), _dxw);
        }
        for (int k = 0; k < Units; k++)
        {
            AddScaled(Row(_g, _recurrentKernel, k), H[t * Units + k], _dhu);
            DH[k] += Dot(Row(_p, _recurrentKernel, k), _dhu);
        }
    }

    /// <summary>Row <paramref name="row"/> (gates·units floats) of the array that starts at <paramref name="offset"/>.</summary>
    private Span<float> Row(float[] buffer, int offset, int row = 0) => buffer.AsSpan(offset + row * Gates * Units, Gates * Units);

    /// <summary>y += a·x.</summary>
    private static void AddScaled(Span<float> y, float a, ReadOnlySpan<float> x)
    {
        for (int j = 0; j < y.Length; j++) y[j] += a * x[j];
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        for (int j = 0; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    /// <summary>Zeroes the layer's state beyond h (the LSTM cell state) before step 0, and its gradient before the backward pass.</summary>
    protected abstract void ClearState();

    /// <summary>Stateful networks: makes the last state beyond h of this call the first one of the next call.</summary>
    protected abstract void CarryState();

    /// <summary>The gates of step t from XW[t] and HU[t]: writes H[t + 1] and whatever the backward step needs.</summary>
    protected abstract void CellForward(int t);

    /// <summary>
    /// From d(loss)/d(h_t) in <see cref="DH"/>: writes d(loss)/d(XW[t]) into <paramref name="dxw"/> and
    /// d(loss)/d(HU[t]) into <paramref name="dhu"/>, and leaves in <see cref="DH"/> the part of d(loss)/d(h_{t-1}) that
    /// does not go through the recurrent kernel.
    /// </summary>
    protected abstract void CellBackward(int t, float[] dxw, float[] dhu);

    protected static float Sigmoid(float a) => 1 / (1 + MathF.Exp(-a));
}

/// <summary>Keras LSTM, gates i, f, c, o: <c>c_t = f·c_{t-1} + i·tanh(z_c)</c>, <c>h_t = o·tanh(c_t)</c>.</summary>
public sealed class ScalarLstmNetwork : ScalarRecurrentNetwork
{
    private readonly float[] _gate, _c, _dc;

    public ScalarLstmNetwork(ReadOnlySpan<float> parameters, int steps, int inputs, int units, int vocabulary = 0,
        Activation head = Activation.Linear, Loss loss = StaticRnn.Loss.MeanSquaredError, bool stateful = false)
        : base(parameters, 4, recurrentBias: false, steps, inputs, units, vocabulary, head, loss, stateful)
    {
        _gate = new float[steps * 4 * units]; // i, f, c (after tanh), o per step
        _c = new float[(steps + 1) * units];
        _dc = new float[units];
    }

    protected override void ClearState()
    {
        Array.Clear(_c, 0, Units);
        Array.Clear(_dc);
    }

    protected override void CarryState() => Array.Copy(_c, Steps * Units, _c, 0, Units);

    protected override void CellForward(int t)
    {
        int u = Units, a = t * 4 * u;
        for (int j = 0; j < u; j++)
        {
            float i = Sigmoid(XW[a + j] + HU[a + j]);
            float f = Sigmoid(XW[a + u + j] + HU[a + u + j]);
            float g = MathF.Tanh(XW[a + 2 * u + j] + HU[a + 2 * u + j]);
            float o = Sigmoid(XW[a + 3 * u + j] + HU[a + 3 * u + j]);
            (_gate[a + j], _gate[a + u + j], _gate[a + 2 * u + j], _gate[a + 3 * u + j]) = (i, f, g, o);
            float c = f * _c[t * u + j] + i * g;
            _c[(t + 1) * u + j] = c;
            H[(t + 1) * u + j] = o * MathF.Tanh(c);
        }
    }

    protected override void CellBackward(int t, float[] dxw, float[] dhu)
    {
        int u = Units, a = t * 4 * u;
        for (int j = 0; j < u; j++)
        {
            float i = _gate[a + j], f = _gate[a + u + j], g = _gate[a + 2 * u + j], o = _gate[a + 3 * u + j];
            float tc = MathF.Tanh(_c[(t + 1) * u + j]);
            float dc = _dc[j] + DH[j] * o * (1 - tc * tc);
            dxw[j] = dc * g * i * (1 - i);
            dxw[u + j] = dc * _c[t * u + j] * f * (1 - f);
            dxw[2 * u + j] = dc * i * (1 - g * g);
            dxw[3 * u + j] = DH[j] * tc * o * (1 - o);
            _dc[j] = dc * f;
            DH[j] = 0; // h_{t-1} reaches h_t only through the recurrent kernel
        }
        // One bias, one pre-activation: both products receive the same gradient.
        Array.Copy(dxw, dhu, 4 * u);
    }
}

/// <summary>
/// Keras GRU with <c>reset_after=True</c>, gates z, r, h: <c>h~ = tanh(x·W_h + b_in,h + r·(h·U_h + b_rec,h))</c>,
/// <c>h_t = z·h_{t-1} + (1 - z)·h~</c>.
/// </summary>
public sealed class ScalarGruNetwork : ScalarRecurrentNetwork
{
    private readonly float[] _gate; // z, r, h~ per step

    public ScalarGruNetwork(ReadOnlySpan<float> parameters, int steps, int inputs, int units, int vocabulary = 0,
        Activation head = Activation.Linear, Loss loss = StaticRnn.Loss.MeanSquaredError, bool stateful = false)
        : base(parameters, 3, recurrentBias: true, steps, inputs, units, vocabulary, head, loss, stateful)
    {
        _gate = new float[steps * 3 * units];
    }

    protected override void ClearState()
    {
    }

    protected override void CarryState()
    {
    }

    protected override void CellForward(int t)
    {
        int u = Units, a = t * 3 * u;
        for (int j = 0; j < u; j++)
        {
            float z = Sigmoid(XW[a + j] + HU[a + j]);
            float r = Sigmoid(XW[a + u + j] + HU[a + u + j]);
            float c = MathF.Tanh(XW[a + 2 * u + j] + r * HU[a + 2 * u + j]);
            (_gate[a + j], _gate[a + u + j], _gate[a + 2 * u + j]) = (z, r, c);
            H[(t + 1) * u + j] = z * H[t * u + j] + (1 - z) * c;
        }
    }

    protected override void CellBackward(int t, float[] dxw, float[] dhu)
    {
        int u = Units, a = t * 3 * u;
        for (int j = 0; j < u; j++)
        {
            float z = _gate[a + j], r = _gate[a + u + j], c = _gate[a + 2 * u + j], dh = DH[j];
            float dc = dh * (1 - z) * (1 - c * c);
            float dz = dh * (H[t * u + j] - c) * z * (1 - z);
            float dr = dc * HU[a + 2 * u + j] * r * (1 - r);
            (dxw[j], dxw[u + j], dxw[2 * u + j]) = (dz, dr, dc);
            (dhu[j], dhu[u + j], dhu[2 * u + j]) = (dz, dr, dc * r);
            DH[j] = dh * z;
        }
    }
}

/// <summary>Keras 3 Adam with its defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7), bias corrections folded into the step size.</summary>
public sealed class ScalarAdam(int count)
{
    private readonly float[] _m = new float[count], _v = new float[count];
    private long _step;

    public void Step(float[] parameters, float[] gradients)
    {
        _step++;
        float alpha = (float)(0.001 * Math.Sqrt(1 - Math.Pow(0.999, _step)) / (1 - Math.Pow(0.9, _step)));
        for (int i = 0; i < parameters.Length; i++)
        {
            _m[i] += (gradients[i] - _m[i]) * 0.1f;
            _v[i] += (gradients[i] * gradients[i] - _v[i]) * 0.001f;
            parameters[i] -= alpha * _m[i] / (MathF.Sqrt(_v[i]) + 1e-7f);
        }
    }
}
