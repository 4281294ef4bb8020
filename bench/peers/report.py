#!/usr/bin/python3
"""Writes bench/results/latest.md: StaticRnn (BenchmarkDotNet) against the scalar C# baseline, PyTorch and
ONNX Runtime, with achieved GFLOP/s against the measured FMA peak and the targets of the speed issue.

Usage: report.py BDN_RESULTS_DIR TORCH_JSON OUT_MD [ONNX_JSON]

BDN_RESULTS_DIR holds BenchmarkDotNet's JSON exports (--exporters json; the *-report-full-compressed.json files).
TORCH_JSON is bench/peers/torch_bench.py's output, ONNX_JSON the ONNX Runtime peer's (same format:
{"cpu", "date", "cases": [{"case", "batch", "op", "hidden" (case f only), "us_best"}]}). A peer file that does not
exist, or a case a file lacks, shows as "–"; nothing is estimated.

The BenchmarkDotNet methods read (type: method -> case, op, implementation):
  SeedModelBenchmarks (case a, batch 32), LstmLargeBenchmarks (d, batch 64), EmbeddingLstmBenchmarks (e, batch 32):
      PredictGenerated / PredictScalar, TrainStepGenerated / TrainStepScalar
  RecurrentBenchmarks [Batch=1|32]: LstmPredict / LstmPredictScalar, LstmTrainStep / LstmTrainStepScalar (b),
      the same with Gru (c)
  StreamingBenchmarks [Hidden=8|16|32|64] (f, batch 1): Step / StepScalar, time per time step (OperationsPerInvoke)
  TransformerClassifierBenchmarks (g, batch 32): PredictGenerated, TrainStepGenerated
  MultiHeadAttentionBenchmarks (h): PredictGeneratedBatch1 (batch 1), TrainStepGenerated (batch 32)
  G2PSeq2SeqBenchmarks (i): TrainStepGenerated (batch 64), Generate1000 (greedy decoding of 1,000 words, op "generate")
  PeakFlopsBenchmarks: Fma256, Fma512, time per vector FMA instruction (OperationsPerInvoke)
"""
import datetime
import glob
import json
import os
import sys

# Flops of one vector FMA instruction (lanes x multiply-add), as PeakFlopsBenchmarks.Flops256 / Flops512.
FMA_FLOPS = {"Fma256": 16, "Fma512": 32}
CORES = 2

GENERATED, SCALAR = "generated", "scalar"
METHODS = {
    "SeedModelBenchmarks": ("a", 32),
    "LstmLargeBenchmarks": ("d", 64),
    "EmbeddingLstmBenchmarks": ("e", 32),
    "TransformerClassifierBenchmarks": ("g", 32),
    "G2PSeq2SeqBenchmarks": ("i", 64),
}
# G2PSeq2SeqBenchmarks (case i): greedy decoding of a batch of 1,000 words.
GENERATE_METHODS = {"Generate1000": ("generate", 1000)}
# MultiHeadAttentionBenchmarks (case h): method -> (op, batch).
ATTENTION_METHODS = {"PredictGeneratedBatch1": ("predict", 1), "TrainStepGenerated": ("train", 32)}
PLAIN_METHODS = {
    "PredictGenerated": ("predict", GENERATED), "PredictScalar": ("predict", SCALAR),
    "TrainStepGenerated": ("train", GENERATED), "TrainStepScalar": ("train", SCALAR),
}
RECURRENT_METHODS = {
    f"{cell}{name}{suffix}": (case, op, impl)
    for cell, case in (("Lstm", "b"), ("Gru", "c"))
    for name, op in (("Predict", "predict"), ("TrainStep", "train"))
    for suffix, impl in (("", GENERATED), ("Scalar", SCALAR))
}
STREAM_METHODS = {"Step": GENERATED, "StepScalar": SCALAR}


def cpu_details():
    """Family, model and the vector extensions of this machine's CPU from /proc/cpuinfo (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            fields = dict(line.split(":", 1) for line in f.read().split("\n\n")[0].splitlines() if ":" in line)
    except OSError:
        return ""
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = set(fields.get("flags", "").split())
    isa = [name for name in ("avx2", "fma", "avx512f", "avx512vl") if name in flags]
    return f" (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')}; {' '.join(isa) or 'no AVX2'})"


def recurrent_macs(gates, inputs, units, steps):
    return gates * units * (inputs + units) * steps


def macs_per_sample(case, hidden):
    """Multiply-adds of the matrix products of one sample's forward pass."""
    if case == "a":
        return recurrent_macs(1, 8, 5, 10) + recurrent_macs(1, 5, 3, 10) + 3 * 10
    if case == "b":
        return recurrent_macs(4, 8, 32, 10) + 32
    if case == "c":
        return recurrent_macs(3, 8, 32, 10) + 32
    if case == "d":
        return recurrent_macs(4, 8, 128, 50) + 128
    if case == "e":
        return recurrent_macs(4, 64, 64, 100) + 64
    if case == "f":
        return recurrent_macs(4, 1, hidden, 1) + hidden
    if case == "g":
        # T 200, d 32, 2 heads of 32: q, k, v and output projections, scores and weights·values per head, feed-forward 32.
        t, d, h, k, ff = 200, 32, 2, 32, 32
        return 3 * t * d * h * k + h * t * t * k * 2 + t * h * k * d + 2 * t * d * ff + 32 * 20 + 20 * 2
    if case == "h":
        t, d, h, k = 64, 64, 4, 16
        return 3 * t * d * h * k + h * t * t * k * 2 + t * h * k * d
    if case == "i":
        # 8 letters, 7 phonemes + the end token: both encoder directions, the decoder LSTM, scores and weights·values of
        # the attention, the output layer on [context, query] (real steps only).
        letters, steps = 8, 8
        return (2 * recurrent_macs(4, 64, 64, letters) + recurrent_macs(4, 64, 128, steps) + 2 * steps * letters * 128
                + steps * 256 * 87)
    raise ValueError(case)


def flops(case, op, batch, hidden):
    """2 x multiply-adds of the products: the forward once (predict, step), three times for train; not counted for generate."""
    if op == "generate":
        return None
    return 2 * macs_per_sample(case, hidden) * batch * (3 if op == "train" else 1)


MODELS = {
    "a": "(10, 8) → SimpleRnn(5, seq) → SimpleRnn(3) → Dense(10)",
    "b": "(10, 8) → Lstm(32) → Dense(1)",
    "c": "(10, 8) → Gru(32) → Dense(1)",
    "d": "(50, 8) → Lstm(128) → Dense(1)",
    "e": "(100 tokens) → Embedding(10000, 64) → Lstm(64) → Dense(1, sigmoid), BCE",
    "f": "stateful (1, 1) → Lstm({hidden}) → Dense(1)",
    "g": "(200 tokens) → TokenAndPositionEmbedding(20000, 200, 32) → TransformerEncoder(2, 32, 32) → pool → Dense(20) → Dense(2, softmax)",
    "h": "(64, 64) → MultiHeadAttention(4, 16), MSE",
    "i": "G2P seq2seq: 18 letters → Embedding(28, 64) → BiLSTM(64) ⇒ 19 steps of Embedding(87, 64) → LSTM(128) → Attention → Dense(87, softmax)",
}

# (case, op, batch, hidden) -> [(peer, minimum ratio)]; every row with a scalar baseline also wants >= 5x over it.
TARGETS = {
    ("a", "train", 32, None): [("PyTorch", 50)],
    ("a", "predict", 32, None): [("ONNX Runtime", 10)],
    ("b", "train", 1, None): [("PyTorch", 100)],
    ("b", "train", 32, None): [("PyTorch", 10)],
    ("c", "train", 32, None): [("PyTorch", 10)],
    ("b", "predict", 1, None): [("ONNX Runtime", 5)],
    ("b", "predict", 32, None): [("ONNX Runtime", 1.5)],
    ("d", "train", 64, None): [("PyTorch", 1.5)],
    ("e", "train", 32, None): [("PyTorch", 2)],
    ("f", "step", 1, 32): [("ONNX Runtime", 30)],
    ("g", "train", 32, None): [("PyTorch", 3)],
    ("g", "predict", 32, None): [("ONNX Runtime", 1.5)],
    ("i", "train", 64, None): [("PyTorch", 3)],
}
SCALAR_TARGET = 5
OP_ORDER = {"predict": 0, "train": 1, "step": 2, "generate": 3}


def parameter(params, name):
    for part in params.split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return int(value)
    return None


def read_bdn(directory):
    """(case, op, batch, hidden) -> {impl: (median ns, allocated bytes)}, and {Fma256|Fma512: median ns}."""
    rows, peak, host = {}, {}, {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            data = json.load(f)
        host = data.get("HostEnvironmentInfo", host)
        for b in data.get("Benchmarks", []):
            stats = b.get("Statistics")
            if not stats:
                continue  # the benchmark failed (e.g. Fma512 without AVX-512)
            kind, method, params = b.get("Type", ""), b.get("Method", ""), b.get("Parameters", "")
            median_ns = stats["Median"]
            allocated = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
            key = None
            if kind == "PeakFlopsBenchmarks" and method in FMA_FLOPS:
                peak[method] = median_ns
            elif kind in METHODS and method in PLAIN_METHODS:
                case, batch = METHODS[kind]
                op, impl = PLAIN_METHODS[method]
                key = (case, op, batch, None)
            elif kind == "RecurrentBenchmarks" and method in RECURRENT_METHODS:
                case, op, impl = RECURRENT_METHODS[method]
                key = (case, op, parameter(params, "Batch"), None)
            elif kind == "MultiHeadAttentionBenchmarks" and method in ATTENTION_METHODS:
                op, batch = ATTENTION_METHODS[method]
                impl = GENERATED
                key = ("h", op, batch, None)
            elif kind == "G2PSeq2SeqBenchmarks" and method in GENERATE_METHODS:
                op, batch = GENERATE_METHODS[method]
                impl = GENERATED
                key = ("i", op, batch, None)
            elif kind == "StreamingBenchmarks" and method in STREAM_METHODS:
                impl = STREAM_METHODS[method]
                key = ("f", "step", 1, parameter(params, "Hidden"))
            if key:
                rows.setdefault(key, {})[impl] = (median_ns, allocated)
    return rows, peak, host


def read_peer(path):
    """(case, op, batch, hidden) -> median ns per call, and the document; empty when the file does not exist."""
    if not path or not os.path.exists(path):
        return {}, None
    with open(path) as f:
        doc = json.load(f)
    times = {(c["case"], c["op"], c["batch"], c.get("hidden")): c["us_best"] * 1000.0 for c in doc.get("cases", [])}
    return times, doc


def show_time(ns):
    if ns is None:
        return "–"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.2f} ms"


def show_ratio(theirs, mine):
    if not theirs or not mine:
        return "–"
    ratio = theirs / mine
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def verdict(name, minimum, theirs, mine):
    if not theirs or not mine:
        return f"{name} ≥ {minimum:g}x: –"
    return f"{name} ≥ {minimum:g}x: {'met' if theirs / mine >= minimum else 'missed'}"


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    bdn_dir, torch_path, out_path = sys.argv[1:4]
    onnx_path = sys.argv[4] if len(sys.argv) == 5 else None
    ours, peak, host = read_bdn(bdn_dir)
    torch, torch_doc = read_peer(torch_path)
    onnx, onnx_doc = read_peer(onnx_path)

    peak_core = {m: FMA_FLOPS[m] / ns for m, ns in peak.items()}  # GFLOP/s = flops per ns
    peak_all = peak_core["Fma256"] * CORES if "Fma256" in peak_core else None

    cpu = (torch_doc or {}).get("cpu") or host.get("ProcessorName", "?")
    cpu += cpu_details()
    versions = [f"{host.get('RuntimeVersion', '.NET ?')}, BenchmarkDotNet {host.get('BenchmarkDotNetVersion', '?')}"]
    versions.append(f"PyTorch {torch_doc.get('torch_version', '?')} ({torch_doc.get('blas', '?')}), best of 1 and 2 threads"
                    if torch_doc else "PyTorch: no results file")
    versions.append(f"ONNX Runtime {onnx_doc.get('onnxruntime_version', '?')}" if onnx_doc else "ONNX Runtime: no results file")

    def peak_text(method):
        if method not in peak_core:
            return "not measured"
        return f"{peak_core[method]:.1f} GFLOP/s per core, {peak_core[method] * CORES:.1f} GFLOP/s on {CORES} cores"

    lines = [
        "# Speed: StaticRnn vs a scalar C# baseline, PyTorch and ONNX Runtime (CPU)",
        "",
        f"Written by `bench/run-all.sh` on {datetime.date.today().isoformat()}. CPU: {cpu}, {CORES} cores. "
        + "; ".join(versions) + ".",
        "",
        f"**Measured peak** (`PeakFlopsBenchmarks`: one thread, 12 independent chains of fused multiply-adds in registers): "
        f"Vector256 FMA {peak_text('Fma256')}; Vector512 FMA {peak_text('Fma512')}. "
        f"The % column is of the {CORES}-core Vector256 peak.",
        "",
        "Times are medians per call (case f: per time step of one sample). StaticRnn is the generated code "
        "(a batch of two or more samples runs as two shards on both cores); \"scalar\" the plain one-thread C# "
        "baseline in bench/StaticRnn.Benchmarks of the same math (checked to agree to 1e-4 before timing). "
        "Ratios are the other time over StaticRnn's. alloc = bytes StaticRnn allocates per call. "
        "GFLOP/s counts 2 × the multiply-adds of the matrix products (input, recurrent and dense kernels; gate "
        "activations, losses and the optimizer are not counted): the forward products once for predict and step, "
        "three times for train (forward, then the two backward products: weight gradients and input/state "
        "gradients).",
        "",
        "| case | model | op | batch | StaticRnn | alloc | scalar | vs scalar | PyTorch | vs PyTorch | ONNX Runtime | vs ORT | GFLOP/s | % peak | targets |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    keys = set(ours) | set(torch) | set(onnx)
    for key in sorted(keys, key=lambda k: (k[0], OP_ORDER.get(k[1], 9), k[2], k[3] or 0)):
        case, op, batch, hidden = key
        if case not in MODELS:
            continue
        mine, allocated = ours.get(key, {}).get(GENERATED, (None, None))
        scalar = ours.get(key, {}).get(SCALAR, (None, None))[0]
        theirs_torch, theirs_onnx = torch.get(key), onnx.get(key)
        work = flops(case, op, batch, hidden)
        gflops = work / mine if mine and work else None
        targets = []
        for peer, minimum in TARGETS.get(key, []):
            targets.append(verdict(peer, minimum, theirs_torch if peer == "PyTorch" else theirs_onnx, mine))
        if scalar:
            targets.append(verdict("scalar", SCALAR_TARGET, scalar, mine))
        cells = [
            case, MODELS[case].format(hidden=hidden), op, str(batch),
            show_time(mine), "–" if allocated is None else f"{allocated} B",
            show_time(scalar), show_ratio(scalar, mine),
            show_time(theirs_torch), show_ratio(theirs_torch, mine),
            show_time(theirs_onnx), show_ratio(theirs_onnx, mine),
            f"{gflops:.2f}" if gflops else "–",
            f"{100 * gflops / peak_all:.1f}%" if gflops and peak_all else "–",
            "; ".join(targets),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Targets of the speed issue: a TrainStep ≥ 50x PyTorch, a Predict ≥ 10x ONNX Runtime; b TrainStep batch 1 "
        "≥ 100x PyTorch; b and c TrainStep batch 32 ≥ 10x PyTorch; b Predict batch 1 / 32 ≥ 5x / 1.5x ONNX Runtime; "
        "d TrainStep ≥ 1.5x PyTorch; e TrainStep ≥ 2x PyTorch; f streaming step (LSTM(32)) ≥ 30x ONNX Runtime; "
        "every case ≥ 5x the scalar baseline; g (the Transformer classifier) TrainStep ≥ 3x PyTorch and Predict ≥ 1.5x "
        "ONNX Runtime; h is compared without a target; i (samples/G2P's encoder-decoder) TrainStep ≥ 3x PyTorch, and its greedy decoding of 1,000 words, every word all 19 steps (the end token suppressed; PyTorch decodes all words step by step in one batch) without a target. For g and h the GFLOP/s also count the attention's two products "
        "per head (scores and weights·values), not the softmax. \"–\" means a number is missing from this run.",
        "",
        "On a shared 2-core machine the small-model timings move by tens of percent between runs minutes apart "
        "(bench/peers/README.md): repeat a run before trusting a difference.",
    ]
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
