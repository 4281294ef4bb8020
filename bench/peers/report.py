"""Combines BenchmarkDotNet's JSON results with bench/results/peers-torch.json into bench/results/latest.md."""
import datetime
import glob
import json
import os
import sys

bdn_dir, peers_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]

ours = {}  # (case, op, batch) -> median microseconds
for path in glob.glob(os.path.join(bdn_dir, "*.json")):
    with open(path) as f:
        data = json.load(f)
    for b in data.get("Benchmarks", []):
        method, params = b.get("Method", ""), b.get("Parameters", "")
        median_us = b["Statistics"]["Median"] / 1000.0
        batch = int(params.split("Batch=")[1].split("&")[0]) if "Batch=" in params else 32
        key = {
            "PredictGenerated": ("a", "predict"), "TrainStepGenerated": ("a", "train"),
            "LstmPredict": ("b", "predict"), "LstmTrainStep": ("b", "train"),
            "GruPredict": ("c", "predict"), "GruTrainStep": ("c", "train"),
        }.get(method)
        if key:
            ours[(key[0], key[1], batch)] = median_us
        if method in ("PredictScalar", "TrainStepScalar"):
            ours[("a", "scalar-" + ("predict" if method == "PredictScalar" else "train"), batch)] = median_us

with open(peers_path) as f:
    peers = json.load(f)
torch = {(c["case"], c["op"], c["batch"]): c["us_best"] for c in peers["cases"]}

targets = {("a", "train", 32): 50, ("b", "train", 1): 100, ("b", "train", 32): 10, ("c", "train", 32): 10}
models = {"a": "(10, 8) → SimpleRnn(5, seq) → SimpleRnn(3) → Dense(10)", "b": "(10, 8) → Lstm(32) → Dense(1)", "c": "(10, 8) → Gru(32) → Dense(1)"}

lines = [
    "# Speed: StaticRnn vs PyTorch CPU",
    "",
    f"Written by `bench/run-all.sh` on {datetime.date.today().isoformat()}. CPU: {peers.get('cpu', '?')}. "
    f"PyTorch {peers.get('torch_version', '?')} ({peers.get('blas', '?')}), best of 1 and 2 threads. "
    "StaticRnn: BenchmarkDotNet medians, batches as two shards on both cores. Times in µs per call; ratio = PyTorch / StaticRnn. "
    "On a shared 2-core machine PyTorch's small-model timings moved by up to 1.8x between runs minutes apart (bench/peers/README.md): "
    "repeat a run before trusting a difference.",
    "",
    "| case | model | op | batch | StaticRnn | PyTorch | ratio | target |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
]
for key in sorted(torch):
    case, op, batch = key
    mine = ours.get(key)
    theirs = torch[key]
    ratio = theirs / mine if mine else None
    target = targets.get(key)
    verdict = "" if target is None else (f"≥ {target}x: {'met' if ratio and ratio >= target else 'missed'}")
    lines.append(f"| {case} | {models[case]} | {op} | {batch} | {mine:.1f} | {theirs:.1f} | {ratio:.1f}x | {verdict} |" if mine
                 else f"| {case} | {models[case]} | {op} | {batch} | – | {theirs:.1f} | – | {verdict} |")
scalar = [(k, v) for k, v in ours.items() if k[1].startswith("scalar-")]
if scalar:
    lines += ["", "Plain scalar C# baseline of case a (one thread), same run:", ""]
    for (case, op, batch), v in sorted(scalar):
        mine = ours.get((case, op.replace("scalar-", ""), batch))
        lines.append(f"- {op.replace('scalar-', '')} batch {batch}: {v:.1f} µs, generated {mine:.1f} µs ({v / mine:.1f}x)" if mine else f"- {op}: {v:.1f} µs")
lines += ["", "Not measured yet: cases d (LSTM(128), T=50, batch 64), e (Embedding + LSTM, BCE), f (streaming ns per step), ONNX Runtime, GFLOP/s against a measured peak."]
with open(out_path, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
