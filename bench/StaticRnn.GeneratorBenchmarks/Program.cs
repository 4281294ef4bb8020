using BenchmarkDotNet.Running;
using StaticRnn.GeneratorBenchmarks;

BenchmarkSwitcher.FromAssembly(typeof(GeneratorBenchmarks).Assembly).Run(args);
