#!/usr/bin/python3
"""Exports the ONNX Runtime peer models with PyTorch's built-in ONNX exporter.

Writes float32, batch_first models with fixed shapes (no dynamic axes) into
onnx/ next to this file, and beside each NAME.onnx a NAME.check.json holding a
seeded input and PyTorch's output for it; bench/OnnxPeer compares ONNX Runtime's
output against that file before it times anything.

  a_b32        (32, 10, 8) -> RNN(8, 5, tanh, full sequence) -> RNN(5, 3, last step) -> Linear(3, 10)
  b_b1, b_b32  (B, 10, 8)  -> LSTM(8, 32, last step) -> Linear(32, 1)
  c_b1, c_b32  (B, 10, 8)  -> GRU(8, 32, last step)  -> Linear(32, 1)
  d_b64        (64, 50, 8) -> LSTM(8, 128, last step) -> Linear(128, 1)
  e_b32        int64 token ids (32, 100) -> Embedding(10000, 64) -> LSTM(64, 64, last step)
               -> Linear(64, 1) -> sigmoid
  g_b32        int64 token ids (32, 200) -> the keras.io Transformer classifier (torch_bench.py's
               TransformerClassifier, eval: softmax output)
  h_b1         (1, 64, 64) -> MultiheadAttention(64, 4 heads) self-attention
  f_hH         streaming LSTM(1, H) -> Linear(H, 1), one time step per call, H in 8, 16, 32, 64:
               inputs x (1, 1, 1), h (1, 1, H), c (1, 1, H); outputs y (1, 1), h_out, c_out

Uses only torch (torch.onnx.export, the TorchScript-based exporter); the onnx
Python package is not needed. Usage: python3 export_onnx.py [--out DIR]
"""

import argparse
import json
import os
import sys
import warnings

import torch
from torch import nn

OPSET = 14
SEQ_LEN = 10
FEATURES = 8
STREAM_STEPS = 20  # steps of the chained-state check for the f models


# --------------------------------------------------------------------------
# Models (a, b, c match torch_bench.py)
# --------------------------------------------------------------------------

# The models of cases a-e are torch_bench.py's own, so both peers time the same graphs.
from torch_bench import CaseA, LastStep, SelfAttention, TokenLstm, TransformerClassifier  # noqa: E402


class StreamStep(nn.Module):
    """One time step of a stateful stream: the state goes in and comes out explicitly."""

    def __init__(self, hidden):
        super().__init__()
        self.rnn = nn.LSTM(1, hidden, batch_first=True)
        self.dense = nn.Linear(hidden, 1)

    def forward(self, x, h, c):
        out, (h_out, c_out) = self.rnn(x, (h, c))
        return self.dense(out[:, -1, :]), h_out, c_out


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def tensor_json(t):
    kind = "int64" if t.dtype == torch.int64 else "float32"
    return {"dtype": kind, "shape": list(t.shape), "data": t.reshape(-1).tolist()}


def export(model, args, input_names, output_names, path):
    model.eval()
    with warnings.catch_warnings():
        # The exporter warns that an LSTM/GRU with batch_first and a batch size
        # other than 1 exports with that batch fixed: intended here.
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, path, export_params=True, opset_version=OPSET,
                          do_constant_folding=True, input_names=input_names,
                          output_names=output_names, dynamic_axes=None)


def predict_model(name, model, x, out_dir):
    """Cases a-e: one input 'x', one output 'y'."""
    path = os.path.join(out_dir, name + ".onnx")
    export(model, (x,), ["x"], ["y"], path)
    with torch.no_grad():
        y = model(x)
    check = {"model": name, "op": "predict",
             "inputs": {"x": tensor_json(x)}, "outputs": {"y": tensor_json(y)}}
    write_json(os.path.join(out_dir, name + ".check.json"), check)
    print(f"  {name}.onnx  x{tuple(x.shape)} {str(x.dtype).replace('torch.', '')} -> y{tuple(y.shape)}")


def stream_model(hidden, out_dir):
    name = f"f_h{hidden}"
    torch.manual_seed(1234)
    model = StreamStep(hidden).float().eval()
    g = torch.Generator().manual_seed(4321)
    x = torch.randn(1, 1, 1, generator=g)
    h = 0.5 * torch.randn(1, 1, hidden, generator=g)
    c = 0.5 * torch.randn(1, 1, hidden, generator=g)
    path = os.path.join(out_dir, name + ".onnx")
    export(model, (x, h, c), ["x", "h", "c"], ["y", "h_out", "c_out"], path)
    with torch.no_grad():
        y, h1, c1 = model(x, h, c)
        # Chained check: STREAM_STEPS calls, each fed the previous call's state,
        # starting from (h, c); the runner replays it through its ping-pong buffers.
        xs = torch.randn(STREAM_STEPS, generator=g)
        ys = []
        hs, cs = h, c
        for k in range(STREAM_STEPS):
            yk, hs, cs = model(xs[k].reshape(1, 1, 1), hs, cs)
            ys.append(yk.item())
        # The same thing as one sequence call, to show the step graph is the full LSTM.
        seq_out, _ = model.rnn(xs.reshape(1, STREAM_STEPS, 1), (h, c))
        y_seq = model.dense(seq_out[:, -1, :]).item()
    if abs(y_seq - ys[-1]) > 1e-5:
        sys.exit(f"{name}: stepwise and sequence outputs differ ({ys[-1]} vs {y_seq})")
    check = {"model": name, "op": "step", "hidden": hidden,
             "inputs": {"x": tensor_json(x), "h": tensor_json(h), "c": tensor_json(c)},
             "outputs": {"y": tensor_json(y), "h_out": tensor_json(h1), "c_out": tensor_json(c1)},
             "stream": {"x": xs.tolist(), "y": ys}}
    write_json(os.path.join(out_dir, name + ".check.json"), check)
    print(f"  {name}.onnx  x(1, 1, 1) h,c(1, 1, {hidden}) -> y(1, 1) h_out,c_out(1, 1, {hidden})")


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)
        f.write("\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "onnx"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"torch {torch.__version__}: exporting opset {OPSET} to {os.path.relpath(args.out)}")

    def seeded(make):
        torch.manual_seed(1234)
        return make().float().eval()

    def seq_input(batch, seq=SEQ_LEN):
        g = torch.Generator().manual_seed(4321)
        return torch.randn(batch, seq, FEATURES, generator=g, dtype=torch.float32)

    predict_model("a_b32", seeded(CaseA), seq_input(32), args.out)
    for batch in (1, 32):
        predict_model(f"b_b{batch}", seeded(lambda: LastStep(nn.LSTM(FEATURES, 32, batch_first=True))),
                      seq_input(batch), args.out)
    for batch in (1, 32):
        predict_model(f"c_b{batch}", seeded(lambda: LastStep(nn.GRU(FEATURES, 32, batch_first=True))),
                      seq_input(batch), args.out)
    predict_model("d_b64", seeded(lambda: LastStep(nn.LSTM(FEATURES, 128, batch_first=True))),
                  seq_input(64, 50), args.out)
    g = torch.Generator().manual_seed(4321)
    ids = torch.randint(0, 10000, (32, 100), generator=g, dtype=torch.int64)
    predict_model("e_b32", seeded(TokenLstm), ids, args.out)
    g = torch.Generator().manual_seed(4321)
    ids = torch.randint(0, 20000, (32, 200), generator=g, dtype=torch.int64)
    predict_model("g_b32", seeded(TransformerClassifier), ids, args.out)
    g = torch.Generator().manual_seed(4321)
    predict_model("h_b1", seeded(SelfAttention), torch.randn(1, 64, 64, generator=g, dtype=torch.float32), args.out)
    for hidden in (8, 16, 32, 64):
        stream_model(hidden, args.out)


if __name__ == "__main__":
    main()
