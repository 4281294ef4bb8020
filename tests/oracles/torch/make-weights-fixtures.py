#!/usr/bin/env python3
"""Fixtures for LoadPyTorchWeights and LoadKerasWeights (tests/StaticRnn.Numerics.Tests/WeightInteropTests.cs).

For each case, a PyTorch model with the layers of a StaticRnn network is built with PyTorch's own default
initialization (seeded), then written as
  <case>.state.npz  its state_dict:  numpy.savez(path, **{k: v.numpy() for k, v in state_dict().items()})
  <case>.keras.npz  the same weights in Keras get_weights() order and shapes, converted here independently of
                    the C# mapping:        numpy.savez(path, *keras_weights)
  <case>.io.npz     inputs x and PyTorch's outputs y, computed in float64 from the float32 weights.
Run: python3 make-weights-fixtures.py   (Debian's python3-torch; deterministic, single-threaded)
"""
import os
import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "StaticRnn.Numerics.Tests", "Fixtures", "interop")


class Stack(nn.Module):
    """TorchMappedStack: (7, 4) -> LSTM(6, seq) -> bidirectional GRU(5, seq) -> RNN(4, relu) -> Linear(3), softmax."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.gru = nn.GRU(6, 5, batch_first=True, bidirectional=True)
        self.rnn = nn.RNN(10, 4, nonlinearity="relu", batch_first=True)
        self.dense = nn.Linear(4, 3)

    def forward(self, x):
        h, _ = self.lstm(x)
        h, _ = self.gru(h)
        h, _ = self.rnn(h)
        return torch.softmax(self.dense(h[:, -1]), dim=-1)


class Tokens(nn.Module):
    """TorchMappedTokens: 9 ids -> Embedding(20, 6) -> bidirectional LSTM(8, seq) -> LayerNorm(eps 1e-3) -> LSTM(5, no bias) -> Linear(3)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20, 6)
        self.lstm = nn.LSTM(6, 8, batch_first=True, bidirectional=True)
        self.norm = nn.LayerNorm(16, eps=1e-3)
        self.lstm2 = nn.LSTM(16, 5, batch_first=True, bias=False)
        self.dense = nn.Linear(5, 3)

    def forward(self, ids):
        h, _ = self.lstm(self.embedding(ids))
        h, _ = self.lstm2(self.norm(h))
        return self.dense(h[:, -1])


def t(a):
    return np.ascontiguousarray(a.T)


def gates(a, order):
    """PyTorch gate blocks (rows of a, or entries of a bias) in Keras order."""
    n = a.shape[0] // len(order)
    return np.concatenate([a[g * n:(g + 1) * n] for g in order], axis=0)


def recurrent(sd, prefix, layer, kind, suffix=""):
    """Keras arrays of one recurrent direction: kernel, recurrent_kernel[, bias]."""
    wih, whh = sd[f"{prefix}.weight_ih_l{layer}{suffix}"], sd[f"{prefix}.weight_hh_l{layer}{suffix}"]
    order = [1, 0, 2] if kind == "gru" else list(range(wih.shape[0] // whh.shape[1]))
    arrays = [t(gates(wih, order)), t(gates(whh, order))]
    if f"{prefix}.bias_ih_l{layer}{suffix}" in sd:
        bih, bhh = sd[f"{prefix}.bias_ih_l{layer}{suffix}"], sd[f"{prefix}.bias_hh_l{layer}{suffix}"]
        arrays.append(np.stack([gates(bih, order), gates(bhh, order)]) if kind == "gru" else bih + bhh)
    return arrays


def keras_stack(sd):
    return (recurrent(sd, "lstm", 0, "lstm")
            + recurrent(sd, "gru", 0, "gru") + recurrent(sd, "gru", 0, "gru", "_reverse")
            + recurrent(sd, "rnn", 0, "rnn")
            + [t(sd["dense.weight"]), sd["dense.bias"]])


def keras_tokens(sd):
    return ([sd["embedding.weight"]]
            + recurrent(sd, "lstm", 0, "lstm") + recurrent(sd, "lstm", 0, "lstm", "_reverse")
            + [sd["norm.weight"], sd["norm.bias"]]
            + recurrent(sd, "lstm2", 0, "lstm")
            + [t(sd["dense.weight"]), sd["dense.bias"]])


def write(name, model, x, keras):
    model.eval()
    with torch.no_grad():
        sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
        np.savez(os.path.join(OUT, f"{name}.state.npz"), **sd)
        np.savez(os.path.join(OUT, f"{name}.keras.npz"), *[a.astype(np.float32) for a in keras(sd)])
        y = model.double()(x).numpy()
    np.savez(os.path.join(OUT, f"{name}.io.npz"), x=x.numpy().astype(np.float64), y=y)
    print(name, "outputs", y.shape, "max |y|", float(np.abs(y).max()))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    stack = Stack()
    x = torch.rand(5, 7, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float32).double() * 2 - 1
    write("torch-stack", stack, x, keras_stack)
    torch.manual_seed(2)
    tokens = Tokens()
    ids = torch.randint(0, 20, (6, 9), generator=torch.Generator().manual_seed(3))
    write("torch-tokens", tokens, ids, keras_tokens)


if __name__ == "__main__":
    main()
