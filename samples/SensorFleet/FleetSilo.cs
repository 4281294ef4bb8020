using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace StaticRnn.Samples.SensorFleet;

/// <summary>One silo process of the fleet: Redis clustering and grain storage, the sensor grains, the model's weights.</summary>
public static class FleetSilo
{
    public const string ServiceId = "SensorFleet";

    /// <summary>The line a silo prints on standard output once it has joined the cluster.</summary>
    public const string Ready = "silo ready";

    /// <summary>Runs a silo until standard input closes (a graceful stop) or the process is killed.</summary>
    public static async Task<int> Run(string redis, string cluster, int siloPort, int gatewayPort, string weightsPath)
    {
        var weights = new float[SensorModel.ParameterCount];
        var loader = new SensorModel();
        loader.LoadWeights(weightsPath);
        loader.Parameters.CopyTo(weights);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new SensorNetworks(weights));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster;
                o.ServiceId = ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.AddRedisGrainStorage(SensorGrain.Storage, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.Configure<ClusterMembershipOptions>(Membership);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        Console.WriteLine(Ready);
        await Console.In.ReadToEndAsync(); // the fleet closes our standard input to stop us
        await host.StopAsync(TimeSpan.FromSeconds(10));
        return 0;
    }

    /// <summary>
    /// How long a call may wait for its answer before the caller sends it again. A call that was on its way to a silo
    /// when it died is answered by nobody and waits this long; a retry is harmless (step numbers are idempotent), so
    /// this is short: 2 s against a p99.9 of about 250 ms under full load here.
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Failure detection for a small loopback cluster: a silo that misses three 1-second probes from one other silo
    /// is declared dead, so that its grains come back elsewhere within seconds (the defaults take about half a
    /// minute). Three, not two: a silo starved of CPU by a busy machine must not be declared dead.
    /// </summary>
    public static void Membership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 3;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }
}
