#!/usr/bin/python3
"""PyTorch CPU peer benchmark for StaticRnn.

Measures the median wall time per call (microseconds) of Predict (forward under
torch.no_grad() in eval mode) and TrainStep (zero_grad + forward + MSE loss +
backward + Adam step in train mode) for the three benchmark models:

  a: (batch 32, 10, 8) -> RNN(8, 5, tanh, full sequence) -> RNN(5, 3, last step) -> Linear(3, 10)
  b: (batch, 10, 8)    -> LSTM(8, 32, last step) -> Linear(32, 1), batch 1 and 32
  c: (batch, 10, 8)    -> GRU(8, 32, last step)  -> Linear(32, 1), batch 1 and 32
     (PyTorch's GRU is the Keras reset_after=True formulation)
  d: (batch 64, 50, 8) -> LSTM(8, 128, last step) -> Linear(128, 1), MSE
  e: (batch 32, 100) int64 token ids in [0, 10000) -> Embedding(10000, 64)
     -> LSTM(64, 64, last step) -> Linear(64, 1) -> sigmoid, BCELoss; train only
  g: (batch 32, 200) int64 token ids in [0, 20000) -> the keras.io Transformer classifier: token + position
     embeddings (32) -> TransformerEncoderLayer(32, 2 heads, feed-forward 32, post-norm, dropout 0.1) -> mean over
     time -> Dropout -> Linear(32, 20) relu -> Dropout -> Linear(20, 2); CrossEntropyLoss; predict and train
  h: (batch, 64, 64) -> MultiheadAttention(64, 4 heads) self-attention; predict batch 1, train batch 32, MSE
  i: samples/G2P's encoder-decoder: 18 letter ids -> Embedding(28, 64) -> bidirectional LSTM(64, 64) on a packed
     sequence, whose final states (directions concatenated) start the decoder: 19 phoneme ids -> Embedding(87, 64) ->
     LSTM(64, 128) -> dot attention over the encoder's outputs (padded letters masked) -> Linear(256, 87) on
     [context, query]; every word 8 letters and 7 phonemes + the end token. op "train": a teacher-forced step at batch
     64, CrossEntropyLoss(ignore_index=0), Adam; op "generate": greedy decoding of 1,000 words as one batch, one
     decoder step at a time for all of them (the carried LSTM state); the end token's output bias is set to -1e4 so
     every word runs all 19 steps, as in the .NET benchmark
  f: streaming, op "step": LSTM(1, H) -> Linear(H, 1) for H = 8, 16, 32, 64,
     batch 1, one time step per call under no_grad, the (h, c) state carried
     from call to call, inputs cycling through a fixed noisy signal

The JSON has one row per (case, batch, op[, hidden]); "us_best" is microseconds
per call (for f, per time step).

Each case runs with torch.set_num_threads(1) and (2); the JSON and the table
report both and the better of the two.

Usage: python3 torch_bench.py [--out FILE] [--quick] [--cases LETTERS]
Default output: ../results/peers-torch.json relative to this file; --quick writes
no file unless --out is given.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

SEQ_LEN = 10
FEATURES = 8
WARMUP_CALLS = 200
WARMUP_MAX_S = 2.0  # the large cases (d, e) warm up for at most this long
ROUNDS = 15
ROUND_TARGET_S = 0.15  # each timed round lasts about this long


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

class CaseA(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn1 = nn.RNN(8, 5, nonlinearity="tanh", batch_first=True)
        self.rnn2 = nn.RNN(5, 3, nonlinearity="tanh", batch_first=True)
        self.dense = nn.Linear(3, 10)

    def forward(self, x):
        seq, _ = self.rnn1(x)          # full sequence (batch, 10, 5)
        out, _ = self.rnn2(seq)        # (batch, 10, 3)
        return self.dense(out[:, -1, :])


class LastStep(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell
        self.dense = nn.Linear(cell.hidden_size, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.dense(out[:, -1, :])


class TokenLstm(nn.Module):
    """Case e: Embedding(10000, 64) -> LSTM(64, 64) last step -> Linear(64, 1) -> sigmoid."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY, 64)
        self.rnn = nn.LSTM(64, 64, batch_first=True)
        self.dense = nn.Linear(64, 1)

    def forward(self, tokens):
        out, _ = self.rnn(self.embedding(tokens))
        return torch.sigmoid(self.dense(out[:, -1, :]))


class TransformerClassifier(nn.Module):
    """Case g: the keras.io Transformer text classifier; nn.TransformerEncoderLayer is that block (post-norm, relu,
    layer-norm epsilon 1e-6, dropout 0.1). Outputs logits: CrossEntropyLoss applies the softmax in training, and
    predict ends with the softmax the Keras model (and StaticRnn's) has."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(20000, 32)
        self.positions = nn.Embedding(200, 32)
        self.block = nn.TransformerEncoderLayer(32, 2, 32, dropout=0.1, activation="relu", layer_norm_eps=1e-6, batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.hidden = nn.Linear(32, 20)
        self.out = nn.Linear(20, 2)
        self.register_buffer("index", torch.arange(200), persistent=False)

    def forward(self, tokens):
        x = self.tokens(tokens) + self.positions(self.index).unsqueeze(0)
        x = self.block(x).mean(dim=1)
        x = self.dropout(torch.relu(self.hidden(self.dropout(x))))
        logits = self.out(x)
        return logits if self.training else torch.softmax(logits, dim=-1)


class G2P(nn.Module):
    """Case i: samples/G2P's model (StaticRnn's G2PModel), in PyTorch's idiom: a packed bidirectional encoder, the
    decoder LSTM started from its final states, dot attention with the padded letters masked, logits on [context, query]."""

    SOURCE, TARGET, LETTERS, PHONEMES, START, END = 18, 19, 28, 87, 1, 2

    def __init__(self):
        super().__init__()
        self.letters = nn.Embedding(self.LETTERS, 64, padding_idx=0)
        self.encoder = nn.LSTM(64, 64, batch_first=True, bidirectional=True)
        self.phonemes = nn.Embedding(self.PHONEMES, 64, padding_idx=0)
        self.decoder = nn.LSTM(64, 128, batch_first=True)
        self.out = nn.Linear(256, self.PHONEMES)

    def encode(self, sources):
        lengths = (sources != 0).sum(dim=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.letters(sources), lengths, batch_first=True, enforce_sorted=False)
        outputs, (h, c) = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=self.SOURCE)
        state = (torch.cat([h[0], h[1]], dim=-1).unsqueeze(0), torch.cat([c[0], c[1]], dim=-1).unsqueeze(0))
        return memory, (sources == 0).unsqueeze(1), state

    def decode(self, inputs, memory, padded, state):
        query, state = self.decoder(self.phonemes(inputs), state)
        scores = torch.bmm(query, memory.transpose(1, 2)).masked_fill(padded, float("-inf"))
        context = torch.bmm(torch.softmax(scores, dim=-1), memory)
        return self.out(torch.cat([context, query], dim=-1)), state

    def forward(self, sources, decoder_inputs):
        memory, padded, state = self.encode(sources)
        return self.decode(decoder_inputs, memory, padded, state)[0]

    def generate(self, sources):
        memory, padded, state = self.encode(sources)
        batch = sources.shape[0]
        token = torch.full((batch, 1), self.START, dtype=torch.int64)
        outputs = torch.zeros(batch, self.TARGET, dtype=torch.int64)
        done = torch.zeros(batch, dtype=torch.bool)
        for step in range(self.TARGET):
            logits, state = self.decode(token, memory, padded, state)
            token = logits[:, -1, 1:].argmax(dim=-1, keepdim=True) + 1  # never 0, the padding id
            outputs[:, step] = torch.where(done, 0, token[:, 0])
            done |= token[:, 0] == self.END
            if bool(done.all()):
                break
        return outputs


def g2p_pairs(g, count):
    """Sources of 8 letter ids in 1..27 and targets of 7 phoneme ids in 3..86, then the end token, padded with 0."""
    sources = torch.zeros(count, G2P.SOURCE, dtype=torch.int64)
    targets = torch.zeros(count, G2P.TARGET, dtype=torch.int64)
    sources[:, :8] = torch.randint(1, 28, (count, 8), generator=g)
    targets[:, :7] = torch.randint(3, 87, (count, 7), generator=g)
    targets[:, 7] = G2P.END
    return sources, targets


class SelfAttention(nn.Module):
    """Case h: one nn.MultiheadAttention(64, 4) (head size 16) as self-attention over (64, 64)."""

    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(64, 4, batch_first=True)

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False)[0]


def make_model(case):
    if case == "a":
        return CaseA()
    if case == "b":
        return LastStep(nn.LSTM(FEATURES, 32, batch_first=True))
    if case == "c":
        return LastStep(nn.GRU(FEATURES, 32, batch_first=True))
    if case == "d":
        return LastStep(nn.LSTM(FEATURES, 128, batch_first=True))
    if case == "e":
        return TokenLstm()
    if case == "g":
        return TransformerClassifier()
    if case == "h":
        return SelfAttention()
    if case == "i":
        return G2P()
    raise ValueError(case)


VOCABULARY = 10000
OUT_DIM = {"a": 10, "b": 1, "c": 1, "d": 1, "e": 1}
STEPS = {"a": SEQ_LEN, "b": SEQ_LEN, "c": SEQ_LEN, "d": 50, "e": 100, "g": 200, "h": 64}
STREAM_HIDDEN = [8, 16, 32, 64]
STREAM_SIGNAL = 256  # distinct one-step inputs the streaming case cycles through

# (case, batch, op, hidden or None), in the order they run.
RUNS = ([(case, batch, op, None) for case, batch in [("a", 32), ("b", 1), ("b", 32), ("c", 1), ("c", 32), ("d", 64)]
         for op in ("predict", "train")]
        + [("e", 32, "train", None)]
        + [("g", 32, "predict", None), ("g", 32, "train", None), ("h", 1, "predict", None), ("h", 32, "train", None)]
        + [("i", 64, "train", None), ("i", 1000, "generate", None)]
        + [("f", 1, "step", hidden) for hidden in STREAM_HIDDEN])


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

def make_callable(case, batch, op, hidden=None):
    torch.manual_seed(1234)
    if op == "step":
        return make_stream_step(hidden)
    model = make_model(case).float()
    g = torch.Generator().manual_seed(4321)
    if case == "i":
        return make_g2p_callable(model, g, batch, op)
    if case == "e":
        x = torch.randint(0, VOCABULARY, (batch, STEPS[case]), generator=g, dtype=torch.int64)
        y = torch.randint(0, 2, (batch, 1), generator=g).float()
    elif case == "g":
        x = torch.randint(0, 20000, (batch, STEPS[case]), generator=g, dtype=torch.int64)
        y = torch.randint(0, 2, (batch,), generator=g)
    elif case == "h":
        x = torch.randn(batch, 64, 64, generator=g, dtype=torch.float32)
        y = torch.randn(batch, 64, 64, generator=g, dtype=torch.float32)
    else:
        x = torch.randn(batch, STEPS[case], FEATURES, generator=g, dtype=torch.float32)
        y = torch.randn(batch, OUT_DIM[case], generator=g, dtype=torch.float32)

    if op == "predict":
        model.eval()

        def predict():
            with torch.no_grad():
                return model(x)

        return predict

    model.train()
    loss_fn = nn.BCELoss() if case == "e" else nn.CrossEntropyLoss() if case == "g" else nn.MSELoss(reduction="mean")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def train_step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return train_step


def make_g2p_callable(model, g, batch, op):
    """Case i: a teacher-forced train step (the target shifted right behind the start token), or greedy decoding."""
    sources, targets = g2p_pairs(g, batch)
    if op == "generate":
        model.eval()
        with torch.no_grad():
            model.out.bias[G2P.END] = -1e4  # every word runs all TARGET steps, as in the .NET benchmark

        def generate():
            with torch.no_grad():
                return model.generate(sources)

        return generate
    model.train()
    inputs = torch.cat([torch.full((batch, 1), G2P.START, dtype=torch.int64), targets[:, :-1]], dim=1)
    loss_fn = nn.CrossEntropyLoss(ignore_index=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def train_step():
        opt.zero_grad()
        logits = model(sources, inputs)
        loss = loss_fn(logits.reshape(-1, G2P.PHONEMES), targets.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    return train_step


def make_stream_step(hidden):
    """Case f: one time step of one sample per call, the LSTM state carried over to the next call."""
    rnn = nn.LSTM(1, hidden, batch_first=True).eval()
    dense = nn.Linear(hidden, 1).eval()
    g = torch.Generator().manual_seed(4321)
    t = torch.arange(STREAM_SIGNAL, dtype=torch.float32)
    signal = torch.sin(0.1 * t) + 0.1 * (2 * torch.rand(STREAM_SIGNAL, generator=g) - 1)
    inputs = [signal[i].reshape(1, 1, 1).clone() for i in range(STREAM_SIGNAL)]
    carried = {"state": None, "i": 0}

    def step():
        with torch.no_grad():
            x = inputs[carried["i"]]
            carried["i"] = (carried["i"] + 1) % STREAM_SIGNAL
            out, carried["state"] = rnn(x, carried["state"])
            return dense(out[:, -1, :])

    return step


def measure_us(fn, rounds, warmup, target_s):
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
        if time.perf_counter() - start > WARMUP_MAX_S:
            break
    # Calibrate calls per round so that one round lasts about target_s.
    n = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        dt = time.perf_counter_ns() - t0
        if dt >= target_s * 1e9 / 4 or n >= 1 << 20:
            break
        n *= 2
    n = max(1, int(n * target_s * 1e9 / max(dt, 1)))
    per_call = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        per_call.append((time.perf_counter_ns() - t0) / n / 1000.0)
    return statistics.median(per_call), n, min(per_call), max(per_call)


# --------------------------------------------------------------------------
# Environment description
# --------------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def build_blas_info():
    cfg = torch.__config__.show()
    for token in cfg.replace(",", " ").split():
        if token.startswith("BLAS_INFO="):
            return token
    return "BLAS_INFO=?"


def loaded_blas():
    """Which libblas / openblas shared object the running process actually mapped."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6:
                    p = parts[5]
                    base = os.path.basename(p)
                    if "blas" in base or "mkl" in base:
                        libs.add(p)
    except OSError:
        pass
    desc = []
    for p in sorted(libs):
        real = os.path.realpath(p)
        pkg = ""
        try:
            out = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True).stdout
            if out:
                name = out.split(":", 1)[0].strip()
                ver = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                                     capture_output=True, text=True).stdout.strip()
                pkg = f"{name} {ver}".strip()
        except OSError:
            pass
        # Describe by the library's directory name (e.g. openblas-openmp, blas), no full path.
        flavour = os.path.basename(os.path.dirname(real))
        desc.append(f"{os.path.basename(real)} [{flavour}]" + (f" from {pkg}" if pkg else ""))
    return desc


# (case, batch) of the memory report: every training row.
MEMORY_RUNS = [("a", 32), ("b", 32), ("c", 32), ("d", 64), ("e", 32), ("g", 32), ("h", 32), ("i", 64)]
MEMORY_STEPS = 20


def peak_rss_kib():
    """Peak resident set size of this process so far (Linux ru_maxrss is in KiB)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_case(case, batch):
    """In a fresh process: peak RSS growth from before the model exists to after MEMORY_STEPS train steps."""
    torch.set_num_threads(1)
    torch.mm(torch.randn(4, 4), torch.randn(4, 4))  # BLAS mapped before the first reading
    before = peak_rss_kib()
    fn = make_callable(case, batch, "train")
    for _ in range(MEMORY_STEPS):
        fn()
    params = sum(p.numel() for p in make_model(case).parameters())
    print(json.dumps({"case": case, "batch": batch, "parameters": params, "rss_growth_bytes": (peak_rss_kib() - before) * 1024}))


def memory_report(out_path):
    """Runs memory_case for every training row, each in its own interpreter, and writes the rows as JSON."""
    rows = []
    for case, batch in MEMORY_RUNS:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-case", f"{case},{batch}"],
                              check=True, capture_output=True, text=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  case {case} batch {batch:>2}: {row['parameters']:>9,} parameters, peak RSS growth "
              f"{row['rss_growth_bytes'] / 2**20:8.2f} MiB")
        sys.stdout.flush()
        rows.append(row)
    doc = {"torch_version": torch.__version__, "date": datetime.date.today().isoformat(),
           "method": f"fresh interpreter per case, 1 intra-op thread; ru_maxrss after {MEMORY_STEPS} train steps "
                     "(model, data, Adam) minus ru_maxrss before the model is built",
           "cases": rows}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"wrote {out_path}")


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", help="JSON file to write (default ../results/peers-torch.json; --quick writes only to an explicit --out)")
    ap.add_argument("--quick", action="store_true", help="short smoke run (not for results)")
    ap.add_argument("--cases", help="only these cases, e.g. 'i' or 'gh' (default: all)")
    ap.add_argument("--memory", action="store_true", help="peak resident-memory growth of each training case instead of times "
                    "(writes ../results/peers-torch-memory.json unless --out)")
    ap.add_argument("--memory-case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_case:
        case, batch = args.memory_case.split(",")
        memory_case(case, int(batch))
        return
    if args.memory:
        here_results = os.path.join(here, "..", "results", "peers-torch-memory.json")
        memory_report(args.out or here_results)
        return
    out_path = args.out or os.path.join(here, "..", "results", "peers-torch.json")

    rounds, warmup, target = (ROUNDS, WARMUP_CALLS, ROUND_TARGET_S)
    if args.quick:
        rounds, warmup, target = (3, 20, 0.02)

    # Touch BLAS once so the library is mapped before we look.
    torch.mm(torch.randn(4, 4), torch.randn(4, 4))
    runtime_blas = loaded_blas()
    blas = build_blas_info() + "; runtime: " + ("; ".join(runtime_blas) if runtime_blas else "no separate BLAS library mapped")

    print(f"torch {torch.__version__}")
    print(f"BLAS: {blas}")
    print(f"CPU: {cpu_model()}, os.cpu_count()={os.cpu_count()}")
    load_start = os.getloadavg()
    print(f"load average at start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    sys.stdout.flush()

    results = []
    for case, batch, op, hidden in RUNS:
        if args.cases and case not in args.cases:
            continue
        row = {"case": case, "batch": batch, "op": op}
        if hidden is not None:
            row["hidden"] = hidden
        label = f"case {case} batch {batch:>2} {op:<7}" + (f" hidden {hidden:>2}" if hidden is not None else "")
        for threads in (1, 2):
            torch.set_num_threads(threads)
            fn = make_callable(case, batch, op, hidden)
            us, n, lo, hi = measure_us(fn, rounds, warmup, target)
            key = "us_1thread" if threads == 1 else "us_2threads"
            row[key] = round(us, 3)
            row[f"rounds_min_max_{threads}"] = [round(lo, 3), round(hi, 3)]
            row[f"calls_per_round_{threads}"] = n
            print(f"  {label} threads={threads}: {us:10.2f} us"
                  f"  (rounds {lo:.1f}..{hi:.1f}; {rounds} rounds x {n} calls)")
            sys.stdout.flush()
        row["us_best"] = min(row["us_1thread"], row["us_2threads"])
        results.append(row)
    torch.set_num_threads(1)

    load_end = os.getloadavg()
    doc = {
        "torch_version": torch.__version__,
        "blas": blas,
        "cpu": cpu_model(),
        "date": datetime.date.today().isoformat(),
        "method": (f"median over {rounds} rounds of N calls (N calibrated so a round lasts ~{target}s), "
                   f"after {warmup} warm-up calls (at most {WARMUP_MAX_S}s); time.perf_counter_ns; float32; "
                   "predict = eval() + no_grad() forward; train = zero_grad + forward + MSELoss(mean) "
                   "(case e: BCELoss on sigmoid outputs) + backward + Adam(lr=1e-3, betas=(0.9,0.999), eps=1e-7).step(); "
                   "step (case f) = one eval() + no_grad() LSTM step of one sample with the (h, c) state carried over; "
                   "case i: train = teacher-forced CrossEntropyLoss(ignore_index=0), generate = greedy decoding of 1,000 words in one batch"),
        "loadavg_start": [round(v, 2) for v in load_start],
        "loadavg_end": [round(v, 2) for v in load_end],
        "cases": results,
    }
    if not args.quick or args.out:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"\nwrote {os.path.relpath(out_path)}")

    print(f"\nload average at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}\n")
    print(f"PyTorch {torch.__version__} CPU, float32, median us per call")
    print()
    print("| case | batch | op | hidden | 1 thread (us) | 2 threads (us) | best (us) |")
    print("|------|------:|----|-------:|--------------:|---------------:|----------:|")
    for r in results:
        print(f"| {r['case']} | {r['batch']} | {r['op']} | {r.get('hidden', '')} | {r['us_1thread']:.2f} | {r['us_2threads']:.2f} | {r['us_best']:.2f} |")


if __name__ == "__main__":
    main()
