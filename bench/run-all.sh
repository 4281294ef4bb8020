#!/usr/bin/env bash
# Runs the speed comparison on this machine (best on an idle one) and writes bench/results/latest.md:
# the PyTorch CPU peer (bench/peers/run-torch.sh installs what it needs), the ONNX Runtime peer when
# bench/peers/run-onnx.sh exists, then the BenchmarkDotNet suite (generated code, scalar baselines, the FMA peak),
# then one table with times, ratios, GFLOP/s against the measured peak and the targets of the speed issue.
# BDN_JOB=short makes the .NET side quick (and noisier).
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/peers/run-torch.sh
if [[ -f bench/peers/run-onnx.sh ]]; then
    bash bench/peers/run-onnx.sh
fi
rm -rf bench/results/artifacts
dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --filter '*' --exporters json --artifacts bench/results/artifacts ${BDN_JOB:+--job "$BDN_JOB"}
# The generator itself, in a warm driver (bench/StaticRnn.GeneratorBenchmarks): its own table, bench/results/generator.md.
rm -rf bench/results/artifacts-generator
dotnet run -c Release --project bench/StaticRnn.GeneratorBenchmarks -- --filter '*' --exporters github --artifacts bench/results/artifacts-generator ${BDN_JOB:+--job "$BDN_JOB"}
cp bench/results/artifacts-generator/results/*-report-github.md bench/results/generator.md
# Scaling: the T × batch sweep of cases b and d, bench/results/scaling.md and scaling.png.
dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --scaling bench/results
# Memory: PyTorch's peak resident-memory growth per training case, then the bytes each StaticRnn network holds.
/usr/bin/python3 bench/peers/torch_bench.py --memory
dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --memory bench/results
/usr/bin/python3 bench/peers/report.py bench/results/artifacts/results bench/results/peers-torch.json bench/results/latest.md bench/results/peers-onnx.json
echo "wrote bench/results/latest.md, generator.md, scaling.md (and .png) and memory.md"
