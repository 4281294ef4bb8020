using System.Collections.Concurrent;

namespace StaticRnn.Samples.SensorFleet;

/// <summary>One sensor's stream: readings go in with their step numbers, predictions of the next reading come out.</summary>
public interface ISensorGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Runs readings <paramref name="first"/> .. first + readings.Length and returns one prediction per reading. Idempotent:
    /// the call that was applied last may be sent again (its answer lost in a failure) and gets the same answer without
    /// being applied twice; any other step number than the next one is refused with <see cref="StepOutOfOrderException"/>.
    /// </summary>
    Task<float[]> Step(long first, float[] readings);

    /// <summary>How many readings this stream has applied.</summary>
    Task<long> Steps();

    /// <summary>Calls this activation answered as repeats of the call applied last (not persisted: since activation).</summary>
    Task<int> RepeatsAnswered();
}

/// <summary>A grain's persisted state: the network's recurrent state after the applied readings, and the last call.</summary>
[GenerateSerializer]
public sealed class SensorState
{
    /// <summary>Readings applied so far: the step number the next call must start at.</summary>
    [Id(0)] public long Steps { get; set; }

    /// <summary>The recurrent state after them (<see cref="SensorModel.StateSize"/> floats: LSTM h, then c).</summary>
    [Id(1)] public float[] Recurrent { get; set; } = new float[SensorModel.StateSize];

    /// <summary>The last applied call: its first step, readings and answer, kept to answer a retry of it.</summary>
    [Id(2)] public long LastFirst { get; set; } = -1;
    [Id(3)] public float[] LastReadings { get; set; } = [];
    [Id(4)] public float[] LastPredictions { get; set; } = [];
}

/// <summary>A call with a step number that is neither the next one nor a retry of the last call.</summary>
[GenerateSerializer]
public sealed class StepOutOfOrderException : Exception
{
    public StepOutOfOrderException(long sensor, long first, long expected)
        : base($"sensor {sensor}: readings from step {first} sent, but the stream has applied {expected} readings; send step {expected} next (or repeat the last call).")
    {
        Sensor = sensor;
        First = first;
        Expected = expected;
    }

    public StepOutOfOrderException()
    {
    }

    [Id(0)] public long Sensor { get; set; }
    [Id(1)] public long First { get; set; }
    [Id(2)] public long Expected { get; set; }
}

/// <summary>
/// The grain of one sensor. Its state is written to Redis before a call returns, so a silo may die at any moment: the
/// grain comes back on another silo from the last answered call (or from the call after it, if that one was written
/// but its answer lost, which the retry then gets).
/// </summary>
public sealed class SensorGrain([PersistentState("sensor", SensorGrain.Storage)] IPersistentState<SensorState> state, SensorNetworks networks)
    : Grain, ISensorGrain
{
    public const string Storage = "sensors";

    private int _repeats;

    public async Task<float[]> Step(long first, float[] readings)
    {
        SensorState current = state.State;
        if (first == current.LastFirst && first + readings.Length == current.Steps && readings.AsSpan().SequenceEqual(current.LastReadings))
        {
            _repeats++;
            return current.LastPredictions; // a retry of the call applied last: same answer, nothing applied twice
        }
        if (first != current.Steps)
        {
            throw new StepOutOfOrderException(this.GetPrimaryKeyLong(), first, current.Steps);
        }
        var next = new SensorState
        {
            Steps = first + readings.Length,
            Recurrent = (float[])current.Recurrent.Clone(),
            LastFirst = first,
            LastReadings = readings,
            LastPredictions = new float[readings.Length],
        };
        networks.Run(next.Recurrent, readings, next.LastPredictions);
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored: forget it here too, and let the next call start from what the store holds.
            state.State = current;
            DeactivateOnIdle();
            throw;
        }
        return next.LastPredictions;
    }

    public Task<long> Steps() => Task.FromResult(state.State.Steps);

    public Task<int> RepeatsAnswered() => Task.FromResult(_repeats);
}

/// <summary>
/// The silo's networks: every sensor's state lives in its grain, so a handful of instances (one per grain turn
/// running at once) serve thousands of sensors, each taking the sensor's state in and giving it back.
/// </summary>
public sealed class SensorNetworks(float[] weights)
{
    private readonly ConcurrentBag<SensorModel> _idle = [];

    /// <summary>Runs <paramref name="readings"/> from <paramref name="recurrent"/>, which receives the state after them.</summary>
    public void Run(float[] recurrent, ReadOnlySpan<float> readings, Span<float> predictions)
    {
        if (!_idle.TryTake(out SensorModel? network))
        {
            network = new SensorModel();
            weights.CopyTo(network.Parameters);
        }
        network.SetStates(recurrent);
        for (int i = 0; i < readings.Length; i++)
        {
            network.Predict(readings.Slice(i, 1), predictions.Slice(i, 1));
        }
        network.GetStates(recurrent);
        _idle.Add(network);
    }
}
