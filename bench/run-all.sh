#!/usr/bin/env bash
# Runs the speed comparison on this machine (best on an idle one) and writes bench/results/latest.md:
# the PyTorch CPU peer (bench/peers/run-torch.sh installs what it needs), then the BenchmarkDotNet suite,
# then a side-by-side table with ratios and the targets of the speed issue.
# BDN_JOB=short makes the .NET side quick (and noisier).
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/peers/run-torch.sh
rm -rf bench/results/artifacts
dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --filter '*' --exporters json --artifacts bench/results/artifacts ${BDN_JOB:+--job "$BDN_JOB"}
/usr/bin/python3 bench/peers/report.py bench/results/artifacts/results bench/results/peers-torch.json bench/results/latest.md
echo "wrote bench/results/latest.md"
