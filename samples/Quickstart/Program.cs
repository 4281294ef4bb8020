using StaticRnn.Plots;
// The seed notebook, in C#: one SimpleRNN on random data, the stacked model's summary, and a short training run.
using StaticRnn;

var random = new SeededRandom(42);

// 1. A single SimpleRNN(5) applied to a random batch of shape (32, 10, 8).
const int batch = 32;
var inputs = new float[batch * SingleRnn.InputSize];
for (int i = 0; i < inputs.Length; i++)
{
    inputs[i] = (float)random.NextDouble(-1, 1);
}
var single = new SingleRnn();
var outputs = new float[batch * SingleRnn.OutputSize];
single.Predict(inputs, outputs, batch);
Console.WriteLine($"SimpleRnn(5) on input (32, {string.Join(", ", SingleRnn.InputShape.ToArray())}) -> output ({batch}, {string.Join(", ", SingleRnn.OutputShape.ToArray())})");
foreach (WeightInfo weight in single.Weights)
{
    Console.WriteLine($"  {weight.Name,-28} {weight.ShapeText}");
}
Console.WriteLine();

// 2. The stacked model: Keras's summary, 70 + 27 + 40 = 137 parameters.
Console.Write(SeedModel.Summary());
Console.WriteLine();

// 3. Training with MSE and Adam. The targets are a fixed function of the inputs (a random projection of the
//    last time step, squashed), so there is something to learn and the loss falls.
const int samples = 1024;
var x = new float[samples * SeedModel.InputSize];
var y = new float[samples * SeedModel.TargetSize];
var projection = new float[8 * 10];
for (int i = 0; i < projection.Length; i++)
{
    projection[i] = (float)random.NextDouble(-0.5, 0.5);
}
for (int s = 0; s < samples; s++)
{
    Span<float> sample = x.AsSpan(s * SeedModel.InputSize, SeedModel.InputSize);
    for (int i = 0; i < sample.Length; i++)
    {
        sample[i] = (float)random.NextDouble(-1, 1);
    }
    ReadOnlySpan<float> lastStep = sample.Slice(9 * 8, 8);
    for (int o = 0; o < 10; o++)
    {
        float z = 0;
        for (int f = 0; f < 8; f++)
        {
            z += lastStep[f] * projection[f * 10 + o];
        }
        y[s * 10 + o] = MathF.Tanh(z);
    }
}
var model = new SeedModel();
History history = model.Fit(x, y, epochs: 20, batchSize: 32, optimizer: new Adam(0.01f), validationSplit: 0.2);
Console.WriteLine($"loss {history.Loss[0]:0.0000} -> {history.Loss[^1]:0.0000}, val_loss {history.ValidationLoss[0]:0.0000} -> {history.ValidationLoss[^1]:0.0000}");
string curves = Path.Combine(StaticRnn.Samples.Pictures.Directory("Quickstart"), "training.png");
history.SavePlot(curves); // StaticRnn.Plots
Console.WriteLine($"training curves: {curves}");

/// <summary>One SimpleRNN layer: (10, 8) -> (5).</summary>
[Sequential(10, 8)]
[SimpleRnn(5)]
public partial class SingleRnn;

/// <summary>The stacked seed model of the notebook.</summary>
[Sequential(10, 8, ExpectedParameters = 137)]
[SimpleRnn(5, ReturnSequences = true)]
[SimpleRnn(3)]
[Dense(10)]
public partial class SeedModel;
