"""PyTorch oracle for the attention family (StaticRnn): fixtures for LayerNormalization, RepeatVector,
TokenAndPositionEmbedding, PositionEmbedding, Keras Attention, MultiHeadAttention and the Transformer encoder block.

    cd tests/oracles/torch && python3 make-attention-fixtures.py     # write fixtures + self-check
    python3 make-attention-fixtures.py --check                        # self-check only; also fails if the
                                                                      # committed fixtures differ from a fresh run

Weights are drawn in the Keras 3 layout (U[-0.6, 0.6], layer-normalization gammas U[0.5, 1.5]) with a seeded
Python random.Random per case; inputs and mse targets U[-1, 1]. Each Keras-layout array is a float64 leaf
tensor; PyTorch's own modules and kernels run on tensors derived from those leaves by differentiable
reshapes and transposes (torch.nn.utils.stateless.functional_call for nn.MultiheadAttention,
nn.TransformerEncoderLayer and nn.LayerNorm; torch._VF.lstm, the kernel nn.LSTM calls, for the LSTM), so
autograd returns every gradient directly in the Keras layout. Outputs, loss and gradients are rounded to
float32 only when written.

Layout mappings (d = model width, h = heads, kd = key size; nn.MultiheadAttention needs h * kd = d):
  Keras query/key/value kernel (d, h, kd) -> PyTorch in_proj_weight rows [q | k | v], each (h*kd, d) = kernel.reshape(d, h*kd).T
  Keras query/key/value bias (h, kd)      -> in_proj_bias [q | k | v], each reshaped to (h*kd,)
  Keras attention_output kernel (h, vd, d) -> out_proj.weight (d, h*vd) = kernel.reshape(h*vd, d).T
  Keras Dense kernel (in, units)          -> Linear weight (units, in) = kernel.T
  Keras LSTM kernel (in, 4u) [i f c o]    -> weight_ih (4u, in) = kernel.T (PyTorch gate order i f g o); bias -> bias_ih, bias_hh = 0
  Keras LayerNormalization gamma, beta    -> weight, bias; the Transformer block's layer_normalization -> norm1,
                                             layer_normalization_1 -> norm2 (post-norm: after each residual; pre-norm: before each sublayer)
  Keras Attention (no PyTorch layer): scores q.k^T (times scale with use_scale) or
  concat_score_weight * sum(tanh(scale * (q + k))), causal mask, softmax, weights.v, written in torch ops.

Self-check (the script exits non-zero and writes nothing for a failing case): every gradient element equals a
float64 central difference (h = 1e-5) of the loss taken with respect to the Keras-layout leaf, within
abs 1e-7 + rel 1e-5, and torch.autograd.gradcheck passes on the loss as a function of all leaves.
"""

import argparse
import json
import math
import os
import random
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils import stateless

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'StaticRnn.Numerics.Tests', 'Fixtures', 'torch'))
GENERATOR = (f'PyTorch {torch.__version__} (CPU, float64, results rounded to float32) '
             'via tests/oracles/torch/make-attention-fixtures.py')
BATCHES = [1, 7]
FD_H, FD_ABS, FD_REL = 1e-5, 1e-7, 1e-5
DT = torch.float64


# ---- layers: each declares its Keras weights (name suffix, shape, kind) and a forward on (batch, T, d) tensors ----

class Dense:
    def __init__(self, name, units, activation='linear'):
        self.name, self.units, self.activation = name, units, activation

    def weights(self, shape):
        return [(f'{self.name}/kernel', [shape[-1], self.units], 'w'), (f'{self.name}/bias', [self.units], 'w')]

    def forward(self, x, w):
        y = x @ w[0] + w[1]
        return activate(y, self.activation)

    def out_shape(self, shape):
        return shape[:-1] + [self.units]


def activate(y, activation):
    if activation == 'linear':
        return y
    if activation == 'relu':
        return torch.relu(y)
    if activation == 'tanh':
        return torch.tanh(y)
    if activation == 'sigmoid':
        return torch.sigmoid(y)
    if activation == 'softmax':
        return torch.softmax(y, dim=-1)
    raise ValueError(activation)


class LayerNorm:
    def __init__(self, name, epsilon):
        self.name, self.epsilon = name, epsilon

    def weights(self, shape):
        return [(f'{self.name}/gamma', [shape[-1]], 'gamma'), (f'{self.name}/beta', [shape[-1]], 'w')]

    def forward(self, x, w):
        module = torch.nn.LayerNorm(x.shape[-1], eps=self.epsilon).to(DT)
        return stateless.functional_call(module, {'weight': w[0], 'bias': w[1]}, (x,))

    def out_shape(self, shape):
        return shape


class Lstm:
    def __init__(self, name, units, return_sequences=False):
        self.name, self.units, self.return_sequences = name, units, return_sequences

    def weights(self, shape):
        u = self.units
        return [(f'{self.name}/kernel', [shape[-1], 4 * u], 'w'), (f'{self.name}/recurrent_kernel', [u, 4 * u], 'w'), (f'{self.name}/bias', [4 * u], 'w')]

    def forward(self, x, w):
        u = self.units
        zeros = torch.zeros(1, x.shape[0], u, dtype=DT)
        params = [w[0].T, w[1].T, w[2], torch.zeros(4 * u, dtype=DT)]
        y, _, _ = torch._VF.lstm(x, (zeros, zeros), params, True, 1, 0.0, False, False, True)
        return y if self.return_sequences else y[:, -1, :]

    def out_shape(self, shape):
        return [shape[0], self.units] if self.return_sequences else [self.units]


class RepeatVector:
    def __init__(self, n):
        self.n = n

    def weights(self, shape):
        return []

    def forward(self, x, w):
        return x.unsqueeze(1).expand(-1, self.n, -1)

    def out_shape(self, shape):
        return [self.n, shape[-1]]


class PositionEmbedding:
    """KerasHub PositionEmbedding on a float sequence: a (timesteps, d) table added, glorot-initialized in Keras."""

    def __init__(self, name):
        self.name = name

    def weights(self, shape):
        return [(f'{self.name}/embeddings', list(shape), 'w')]

    def forward(self, x, w):
        return x + w[0].unsqueeze(0)

    def out_shape(self, shape):
        return shape


class Pool:
    def weights(self, shape):
        return []

    def forward(self, x, w):
        return x.mean(dim=1)

    def out_shape(self, shape):
        return [shape[-1]]


class TokenAndPosition:
    def __init__(self, name, vocabulary, sequence_length, dims):
        self.name, self.vocabulary, self.sequence_length, self.dims = name, vocabulary, sequence_length, dims

    def weights(self, shape):
        return [(f'{self.name}/token_embedding/embeddings', [self.vocabulary, self.dims], 'w'),
                (f'{self.name}/position_embedding/embeddings', [self.sequence_length, self.dims], 'w')]

    def forward(self, x, w):
        ids = x.long()
        return F.embedding(ids, w[0]) + w[1][: ids.shape[1]].unsqueeze(0)

    def out_shape(self, shape):
        return [shape[0], self.dims]


def causal_mask(steps):
    return torch.triu(torch.full((steps, steps), float('-inf'), dtype=DT), diagonal=1)


def mha_parameters(w, d, heads, key_dim, use_bias):
    """nn.MultiheadAttention's parameters from the Keras-layout leaves (query, key, value, attention_output)."""
    stride = 2 if use_bias else 1
    kernels = [w[i * stride] for i in range(4)]
    p = {'in_proj_weight': torch.cat([kernels[i].reshape(d, heads * key_dim).T for i in range(3)], dim=0),
         'out_proj.weight': kernels[3].reshape(heads * key_dim, d).T}
    if use_bias:
        p['in_proj_bias'] = torch.cat([w[i * 2 + 1].reshape(-1) for i in range(3)])
        p['out_proj.bias'] = w[7]
    return p


def mha_weights(prefix, d, heads, key_dim, use_bias):
    out = []
    for part in ('query', 'key', 'value'):
        out.append((f'{prefix}/{part}/kernel', [d, heads, key_dim], 'w'))
        if use_bias:
            out.append((f'{prefix}/{part}/bias', [heads, key_dim], 'w'))
    out.append((f'{prefix}/attention_output/kernel', [heads, key_dim, d], 'w'))
    if use_bias:
        out.append((f'{prefix}/attention_output/bias', [d], 'w'))
    return out


class MultiHeadAttention:
    def __init__(self, name, heads, key_dim, use_bias=True, causal=False):
        self.name, self.heads, self.key_dim, self.use_bias, self.causal = name, heads, key_dim, use_bias, causal

    def weights(self, shape):
        return mha_weights(self.name, shape[-1], self.heads, self.key_dim, self.use_bias)

    def forward(self, x, w):
        d = x.shape[-1]
        assert self.heads * self.key_dim == d, 'nn.MultiheadAttention needs heads * key_dim == d'
        module = torch.nn.MultiheadAttention(d, self.heads, bias=self.use_bias, batch_first=True).to(DT)
        mask = causal_mask(x.shape[1]) if self.causal else None
        y, _ = stateless.functional_call(module, mha_parameters(w, d, self.heads, self.key_dim, self.use_bias), (x, x, x),
                                         {'attn_mask': mask, 'need_weights': False})
        return y

    def out_shape(self, shape):
        return shape


class Attention:
    """Keras layers.Attention(use_scale, score_mode, use_causal_mask) called as Attention([x, x])."""

    def __init__(self, name, use_scale=False, concat=False, causal=False):
        self.name, self.use_scale, self.concat, self.causal = name, use_scale, concat, causal

    def weights(self, shape):
        out = []
        if self.use_scale:
            out.append((f'{self.name}/scale', [], 'gamma'))
        if self.concat:
            out.append((f'{self.name}/concat_score_weight', [], 'gamma'))
        return out

    def forward(self, x, w):
        i = 0
        scale = None
        if self.use_scale:
            scale = w[i]
            i += 1
        if self.concat:
            summed = x.unsqueeze(2) + x.unsqueeze(1)  # (b, Tq, Tv, d)
            scores = w[i] * torch.tanh(summed * scale if scale is not None else summed).sum(dim=-1)
        else:
            scores = x @ x.transpose(1, 2)
            if scale is not None:
                scores = scores * scale
        if self.causal:
            scores = scores + causal_mask(x.shape[1])
        return torch.softmax(scores, dim=-1) @ x

    def out_shape(self, shape):
        return shape


class TransformerEncoder:
    """The keras.io block as PyTorch's nn.TransformerEncoderLayer (dropout 0); weights in the block's Keras order."""

    def __init__(self, name, sub, heads, ff, epsilon=1e-6, norm_first=False, causal=False):
        self.name, self.sub, self.heads, self.ff, self.epsilon, self.norm_first, self.causal = name, sub, heads, ff, epsilon, norm_first, causal

    def weights(self, shape):
        d = shape[-1]
        s = self.sub
        return (mha_weights(f'{self.name}/{s["mha"]}', d, self.heads, d // self.heads, True)
                + [(f'{self.name}/{s["dense"]}/kernel', [d, self.ff], 'w'), (f'{self.name}/{s["dense"]}/bias', [self.ff], 'w'),
                   (f'{self.name}/{s["dense_1"]}/kernel', [self.ff, d], 'w'), (f'{self.name}/{s["dense_1"]}/bias', [d], 'w'),
                   (f'{self.name}/{s["norm"]}/gamma', [d], 'gamma'), (f'{self.name}/{s["norm"]}/beta', [d], 'w'),
                   (f'{self.name}/{s["norm_1"]}/gamma', [d], 'gamma'), (f'{self.name}/{s["norm_1"]}/beta', [d], 'w')])

    def forward(self, x, w):
        d = x.shape[-1]
        module = torch.nn.TransformerEncoderLayer(d, self.heads, self.ff, dropout=0.0, activation='relu', layer_norm_eps=self.epsilon,
                                                  batch_first=True, norm_first=self.norm_first).to(DT)
        attention = mha_parameters(w[:8], d, self.heads, d // self.heads, True)
        p = {f'self_attn.{k}': v for k, v in attention.items()}
        p.update({'linear1.weight': w[8].T, 'linear1.bias': w[9], 'linear2.weight': w[10].T, 'linear2.bias': w[11],
                  'norm1.weight': w[12], 'norm1.bias': w[13], 'norm2.weight': w[14], 'norm2.bias': w[15]})
        mask = causal_mask(x.shape[1]) if self.causal else None
        return stateless.functional_call(module, p, (x,), {'src_mask': mask})

    def out_shape(self, shape):
        return shape


BLOCK_NAMES = {'mha': 'multi_head_attention', 'dense': 'dense', 'dense_1': 'dense_1', 'norm': 'layer_normalization', 'norm_1': 'layer_normalization_1'}

# Keras auto-names come from global per-class counters, in creation order: a block's sublayers take dense and dense_1,
# so the Dense after it is dense_2.
CASES = [
    {'name': 'layer_norm_dense', 'seed': 0xA77E0001, 'input_shape': [5, 6], 'loss': 'mse',
     'layers': [LayerNorm('layer_normalization', 1e-3), Dense('dense', 2)]},
    {'name': 'position_embedding', 'seed': 0xA77E000A, 'input_shape': [5, 4], 'loss': 'mse',
     'layers': [PositionEmbedding('position_embedding'), Lstm('lstm', 3, return_sequences=True), Dense('dense', 2)]},
    {'name': 'lstm_repeat_lstm', 'seed': 0xA77E0002, 'input_shape': [4, 3], 'loss': 'mse',
     'layers': [Lstm('lstm', 5), RepeatVector(3), Lstm('lstm_1', 4, return_sequences=True), Dense('dense', 2)]},
    {'name': 'mha_self', 'seed': 0xA77E0003, 'input_shape': [6, 8], 'loss': 'mse',
     'layers': [MultiHeadAttention('multi_head_attention', 2, 4), Dense('dense', 3)]},
    {'name': 'mha_causal_nobias', 'seed': 0xA77E0004, 'input_shape': [7, 6], 'loss': 'bce',
     'layers': [Dense('dense', 6, 'tanh'), MultiHeadAttention('multi_head_attention', 3, 2, use_bias=False, causal=True), Dense('dense_1', 1, 'sigmoid')]},
    {'name': 'attention_scaled_causal', 'seed': 0xA77E0005, 'input_shape': [5, 4], 'loss': 'mse',
     'layers': [Dense('dense', 6, 'tanh'), Attention('attention', use_scale=True, causal=True), Dense('dense_1', 2)]},
    {'name': 'attention_concat', 'seed': 0xA77E0006, 'input_shape': [4, 3], 'loss': 'bce',
     'layers': [Attention('attention', use_scale=True, concat=True), Dense('dense', 1, 'sigmoid')]},
    {'name': 'transformer_post', 'seed': 0xA77E0007, 'input_shape': [6, 8], 'loss': 'sparse',
     'layers': [TransformerEncoder('transformer_encoder', BLOCK_NAMES, 2, 16), Pool(), Dense('dense_2', 3, 'softmax')]},
    {'name': 'transformer_pre_causal', 'seed': 0xA77E0008, 'input_shape': [5, 4], 'loss': 'mse',
     'layers': [Dense('dense', 8), TransformerEncoder('transformer_encoder', {**BLOCK_NAMES, 'dense': 'dense_1', 'dense_1': 'dense_2'}, 2, 8, norm_first=True, causal=True),
                Dense('dense_3', 1)]},
    {'name': 'token_position_transformer', 'seed': 0xA77E0009, 'input_shape': [7], 'loss': 'sparse', 'vocabulary': 13,
     'layers': [TokenAndPosition('token_and_position_embedding', 13, 9, 8), TransformerEncoder('transformer_encoder', BLOCK_NAMES, 2, 16), Pool(),
                Dense('dense_2', 2, 'softmax')]},
]


def fail(msg):
    raise SystemExit(f'make-attention-fixtures: {msg}')


def draw(rng, n, lo, hi):
    return [rng.uniform(lo, hi) for _ in range(n)]


def build(case):
    rng = random.Random(case['seed'])
    shape = list(case['input_shape'])
    names, shapes, leaves, per_layer = [], [], [], []
    for layer in case['layers']:
        own = []
        for name, wshape, kind in layer.weights(shape):
            n = math.prod(wshape)
            values = draw(rng, n, 0.5, 1.5) if kind == 'gamma' else draw(rng, n, -0.6, 0.6)
            leaf = torch.tensor(values, dtype=DT).reshape(wshape).requires_grad_(True)
            names.append(name)
            shapes.append(wshape)
            leaves.append(leaf)
            own.append(leaf)
        per_layer.append(own)
        shape = layer.out_shape(shape)
    return rng, names, shapes, leaves, per_layer, shape


def forward(case, per_layer, x):
    for layer, w in zip(case['layers'], per_layer):
        x = layer.forward(x, w)
    return x


def loss_of(case, y, t):
    if case['loss'] == 'mse':
        return ((y - t) ** 2).mean()
    eps = 1e-7
    if case['loss'] == 'bce':
        q = y.clamp(eps, 1 - eps)
        return -(t * torch.log(q) + (1 - t) * torch.log(1 - q)).mean()
    q = y.clamp(eps, 1 - eps)  # sparse: one class index per output row
    rows = q.reshape(-1, q.shape[-1])
    return -torch.log(rows[torch.arange(rows.shape[0]), t.reshape(-1).long()]).mean()


def runs(case, rng, per_layer, leaves, out_shape):
    result = []
    for batch in BATCHES:
        in_size = math.prod(case['input_shape'])
        if 'vocabulary' in case:
            x_values = [float(rng.randrange(case['vocabulary'])) for _ in range(batch * in_size)]
        else:
            x_values = draw(rng, batch * in_size, -1, 1)
        x = torch.tensor(x_values, dtype=DT).reshape([batch] + case['input_shape'])
        classes = out_shape[-1]
        rows = math.prod(out_shape) // classes
        if case['loss'] == 'sparse':
            y_values = [float(rng.randrange(classes)) for _ in range(batch * rows)]
        elif case['loss'] == 'bce':
            y_values = [float(rng.randrange(2)) for _ in range(batch * math.prod(out_shape))]
        else:
            y_values = draw(rng, batch * math.prod(out_shape), -1, 1)
        t = torch.tensor(y_values, dtype=DT)
        y = forward(case, per_layer, x)
        t_shaped = t.reshape([batch, rows]) if case['loss'] == 'sparse' else t.reshape(y.shape)
        loss = loss_of(case, y, t_shaped)
        grads = torch.autograd.grad(loss, leaves)
        self_check(case, per_layer, leaves, x, t_shaped, grads, batch)
        result.append({'batch': batch, 'x': x_values, 'y': y_values, 'output': y.detach().reshape(-1).tolist(), 'loss': loss.item(),
                       'gradients': [g.detach().reshape(-1).tolist() for g in grads]})
    return result


def self_check(case, per_layer, leaves, x, t, grads, batch):
    def f(*ws):
        it = iter(ws)
        layers = [[next(it) for _ in own] for own in per_layer]
        return loss_of(case, forward(case, layers, x), t)

    for leaf, grad in zip(leaves, grads):
        flat = leaf.detach().reshape(-1)
        for j in range(flat.numel()):
            keep = flat[j].item()
            with torch.no_grad():
                flat[j] = keep + FD_H
            up = f(*leaves).item()
            with torch.no_grad():
                flat[j] = keep - FD_H
            down = f(*leaves).item()
            with torch.no_grad():
                flat[j] = keep
            numeric = (up - down) / (2 * FD_H)
            analytic = grad.reshape(-1)[j].item()
            if abs(numeric - analytic) > FD_ABS + FD_REL * abs(numeric):
                fail(f'{case["name"]} batch {batch}: gradient element {j} of a weight is {analytic}, central difference {numeric}')
    if not torch.autograd.gradcheck(f, tuple(leaves), eps=1e-6, atol=1e-6, rtol=1e-4):
        fail(f'{case["name"]} batch {batch}: gradcheck failed')


def f32(values):
    return [float(torch.tensor(v, dtype=torch.float32).item()) for v in values]


def number(v):
    return repr(float(v))


def write(case, names, shapes, leaves, run_list, out_shape):
    layers = [type(layer).__name__ for layer in case['layers']]
    lines = ['{', f'  "case": "{case["name"]}",', f'  "generator": "{GENERATOR}",', f'  "input_shape": {json.dumps(case["input_shape"])},',
             f'  "loss": "{case["loss"]}",', f'  "layers": {json.dumps(layers)},', f'  "parameter_count": {sum(l.numel() for l in leaves)},', '  "weights": [']
    for i, (name, shape, leaf) in enumerate(zip(names, shapes, leaves)):
        values = ', '.join(number(v) for v in f32(leaf.detach().reshape(-1).tolist()))
        lines.append(f'    {{"name": "{name}", "shape": {json.dumps(shape)}, "values": [{values}]}}' + (',' if i < len(names) - 1 else ''))
    lines.append('  ],')
    lines.append('  "runs": [')
    for r, run in enumerate(run_list):
        lines.append('    {')
        lines.append(f'      "batch": {run["batch"]},')
        lines.append(f'      "x": [{", ".join(number(v) for v in f32(run["x"]))}],')
        lines.append(f'      "y": [{", ".join(number(v) for v in f32(run["y"]))}],')
        lines.append(f'      "output": [{", ".join(number(v) for v in f32(run["output"]))}],')
        lines.append(f'      "loss": {number(f32([run["loss"]])[0])},')
        lines.append('      "gradients": [')
        for i, (name, grad) in enumerate(zip(names, run['gradients'])):
            lines.append(f'        {{"name": "{name}", "values": [{", ".join(number(v) for v in f32(grad))}]}}' + (',' if i < len(names) - 1 else ''))
        lines.append('      ]')
        lines.append('    }' + (',' if r < len(run_list) - 1 else ''))
    lines.append('  ]')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--check', action='store_true', help='self-check and compare with the committed fixtures; write nothing')
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts = {}
    for case in CASES:
        rng, names, shapes, leaves, per_layer, out_shape = build(case)
        run_list = runs(case, rng, per_layer, leaves, out_shape)
        texts[case['name']] = write(case, names, shapes, leaves, run_list, out_shape)
        print(f'{case["name"]}: {sum(l.numel() for l in leaves)} parameters, self-check passed', file=sys.stderr)
    if args.check:
        for name, text in texts.items():
            path = os.path.join(OUT_DIR, name + '.json')
            if not os.path.exists(path) or open(path, encoding='utf-8').read() != text:
                fail(f'{path} differs from a fresh run')
        print('committed fixtures match a fresh run', file=sys.stderr)
        return
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, text in texts.items():
        with open(os.path.join(OUT_DIR, name + '.json'), 'w', encoding='utf-8', newline='\n') as out:
            out.write(text)


if __name__ == '__main__':
    main()
