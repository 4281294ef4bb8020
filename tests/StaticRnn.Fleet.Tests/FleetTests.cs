using StaticRnn.Samples.SensorFleet;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.SensorFleetTests;

/// <summary>
/// The Orleans sensor fleet on loopback: Debian's redis-server (started here, stopped after), three silo processes,
/// thousands of streams; one silo is killed with SIGKILL halfway. Every stream must equal a single-process run of
/// the same readings, computed here with the generated network alone, bit for bit.
/// </summary>
public class FleetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryStreamIsExactAfterASiloIsKilledMidRun()
    {
        // Weights of the test's own: random, not trained, so that the run is short and the answers depend on them.
        string weights = Path.Combine(Path.GetTempPath(), $"sensorfleet-test-{Environment.ProcessId}.weights");
        var model = new SensorModel();
        model.InitializeWeights(seed: 11);
        model.SaveWeights(weights);
        var log = new StringWriter();
        try
        {
            var options = new FleetOptions { Silos = 3, Sensors = 2_000, Steps = 24, Chunk = 1, Concurrency = 64, KillAt = 0.5, Weights = weights };
            FleetResult r = await Fleet.Run(options, log);
            output.WriteLine(log.ToString());

            Assert.Equal(3, r.KilledSilo);
            Assert.InRange(r.KilledAfter, 24_000, 30_000); // killed halfway, with streams still running on it
            Assert.Equal(48_000, r.Readings);
            Assert.Equal(0, r.StreamsDiffering);

            // The oracle, independent of the fleet's own check: each sensor's readings through one network here.
            var network = new SensorModel();
            network.LoadWeights(weights);
            var readings = new float[24];
            var expected = new float[24];
            for (int sensor = 0; sensor < 2_000; sensor++)
            {
                Sensors.Readings(sensor, 0, readings);
                network.ResetStates();
                for (int t = 0; t < 24; t++)
                {
                    network.Predict(readings.AsSpan(t, 1), expected.AsSpan(t, 1));
                }
                float[] got = r.Predictions.AsSpan(sensor * 24, 24).ToArray();
                Assert.True(expected.AsSpan().SequenceEqual(got), $"sensor {sensor}: fleet [{string.Join(", ", got)}], one process [{string.Join(", ", expected)}]");
            }
            Assert.Contains("Exact: 2,000 of 2,000 streams equal the single-process run bit for bit", log.ToString());
        }
        catch
        {
            output.WriteLine(log.ToString());
            throw;
        }
        finally
        {
            File.Delete(weights);
        }
    }

    [Fact]
    public void ReadingsOfAnyRangeEqualThoseOfTheWholeStream()
    {
        // The fleet and its check cut the same stream differently: a range made alone must be the same readings.
        var whole = new float[100];
        Sensors.Readings(7, 0, whole);
        var part = new float[30];
        Sensors.Readings(7, 50, part);
        Assert.Equal(whole.AsSpan(50, 30).ToArray(), part);
        var other = new float[100];
        Sensors.Readings(8, 0, other);
        Assert.NotEqual(whole, other);
    }

    [Fact]
    public async Task BadOptionsAreRefusedBeforeAnythingStarts()
    {
        var log = new StringWriter();
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Fleet.Run(new FleetOptions { Silos = 1, KillAt = 0.5 }, log));
        Assert.Contains("at least 2 silos", e.Message);
        e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Fleet.Run(new FleetOptions { Chunk = 0 }, log));
        Assert.Contains("--chunk must be at least 1", e.Message);
        Assert.Equal("", log.ToString());
    }
}
