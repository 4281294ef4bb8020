// A fleet of stateful models on Orleans: one grain per sensor holds that sensor's LSTM state (persisted to Redis after
// every call) and predicts its next reading. The run starts Redis and several silo processes, streams thousands of
// sensors, kills one silo mid-run, and checks that every stream equals a single-process run of the same readings.
//
//   dotnet run --project samples/SensorFleet -c Release -- [--silos 3] [--sensors 2000] [--steps 64] [--chunk 1]
//       [--concurrency 64] [--kill-at 0.5 | --no-kill] [--redis HOST:PORT] [--weights FILE]
using StaticRnn.Samples.SensorFleet;

try
{
    if (args.Length > 0 && args[0] == "silo")
    {
        var a = Arguments.Parse(args[1..], ["--redis", "--cluster", "--port", "--gateway", "--weights"]);
        return await FleetSilo.Run(a.Text("--redis"), a.Text("--cluster"), a.Int("--port"), a.Int("--gateway"), a.Text("--weights"));
    }
    var o = Arguments.Parse(args, ["--silos", "--sensors", "--steps", "--chunk", "--concurrency", "--kill-at", "--redis", "--weights", "--train-windows", "--epochs"], ["--no-kill"]);
    var options = new FleetOptions();
    options = options with
    {
        Silos = o.Int("--silos", options.Silos),
        Sensors = o.Int("--sensors", options.Sensors),
        Steps = o.Int("--steps", options.Steps),
        Chunk = o.Int("--chunk", options.Chunk),
        Concurrency = o.Int("--concurrency", options.Concurrency),
        KillAt = o.Flag("--no-kill") ? null : o.Double("--kill-at", options.KillAt ?? 0.5),
        Redis = o.TextOrNull("--redis"),
        Weights = o.TextOrNull("--weights"),
        TrainWindows = o.Int("--train-windows", options.TrainWindows),
        Epochs = o.Int("--epochs", options.Epochs),
    };
    FleetResult result = await Fleet.Run(options, Console.Out);
    return result.StreamsDiffering == 0 ? 0 : 1;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException or InvalidDataException or FileNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

/// <summary>--name value pairs and --flags; anything else is an error that lists what is known.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = [];
    private readonly HashSet<string> _flags = [];

    public static Arguments Parse(string[] args, string[] names, string[]? flags = null)
    {
        var a = new Arguments();
        for (int i = 0; i < args.Length; i++)
        {
            if (flags?.Contains(args[i]) == true)
            {
                a._flags.Add(args[i]);
            }
            else if (names.Contains(args[i]) && i + 1 < args.Length)
            {
                a._values[args[i]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unknown or incomplete argument '{args[i]}'; known: {string.Join(", ", names.Select(n => n + " VALUE").Concat(flags ?? []))}.");
            }
        }
        return a;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? TextOrNull(string name) => _values.GetValueOrDefault(name);

    public string Text(string name) => TextOrNull(name) ?? throw new ArgumentException($"{name} is required.");

    public int Int(string name, int? fallback = null) => _values.TryGetValue(name, out string? v)
        ? int.TryParse(v, out int n) ? n : throw new ArgumentException($"{name} takes a whole number, not '{v}'.")
        : fallback ?? throw new ArgumentException($"{name} is required.");

    public double Double(string name, double fallback) => _values.TryGetValue(name, out string? v)
        ? double.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : throw new ArgumentException($"{name} takes a number, not '{v}'.")
        : fallback;
}
