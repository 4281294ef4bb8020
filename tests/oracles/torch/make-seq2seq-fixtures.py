"""PyTorch oracle for a sequence-to-sequence model (StaticRnn [Seq2Seq]): an LSTM encoder-decoder with Luong dot
attention, trained with teacher forcing.

    cd tests/oracles/torch && /usr/bin/python3 make-seq2seq-fixtures.py    # write the fixture + self-check
    /usr/bin/python3 make-seq2seq-fixtures.py --check                       # self-check only; also fails if the
                                                                            # committed fixture differs from a fresh run

The model (Keras 3 semantics and auto-names):
  encoder: Embedding(11, 6, mask_zero) `embedding` -> Bidirectional(LSTM(5, return_sequences)) `bidirectional`, concat
  link:    the decoder's initial state h0 = [h_fw | h_bw], c0 = [c_fw | c_bw] (the final states of both directions)
  decoder: Embedding(9, 6, mask_zero) `embedding_1` -> LSTM(10, return_sequences) `lstm_1` from (h0, c0)
           -> Attention(use_scale) `attention` with query = the decoder LSTM's outputs, key = value = the encoder's
              outputs -> concatenate([context, query]) -> Dense(9, softmax) `dense`
  loss:    sparse categorical crossentropy, the mean over the target ids that are not 0 (padding) in the whole batch.
Teacher forcing: the decoder's input row is [StartToken, target[0], ..., target[TargetLength - 2]].

Weights are drawn in the Keras 3 get_weights() order and layout from one seeded Python random.Random (U[-0.6, 0.6];
attention/scale U[0.5, 1.5]) and rounded to float32 at once, so the stored weights are exactly the ones the float64
computation used; then the source ids (3..10), then the target ids (3..8, then EndToken, then 0). Each Keras-layout
array is a float64 leaf tensor; PyTorch's kernels run on tensors derived from those leaves by differentiable
transposes and concatenations, so autograd returns every gradient directly in the Keras layout. Outputs, loss and
gradients are rounded to float32 only when written.

Layout mappings:
  Keras Embedding embeddings (vocabulary, d)     -> F.embedding weight (the same)
  Keras LSTM kernel (in, 4u), gates [i f c o]    -> weight_ih (4u, in) = kernel.T (PyTorch gate order i f g o: the same)
  Keras LSTM recurrent_kernel (u, 4u)            -> weight_hh (4u, u) = recurrent_kernel.T
  Keras LSTM bias (4u)                           -> bias_ih; bias_hh = 0
  Bidirectional forward_lstm / backward_lstm     -> the l0 / l0_reverse parameters of a bidirectional torch._VF.lstm
                                                    (the kernel nn.LSTM calls), on a pack_padded_sequence
                                                    (enforce_sorted=False) of the embedded sources
  Keras Dense kernel (in, units)                 -> x @ kernel + bias
  Keras Attention (no PyTorch layer)             -> scale * q.k^T, padded keys masked_fill(-inf), softmax, weights.v

Keras masking, and how it is reproduced:
  * encoder: the sources are padded only at the end, so Keras's carrying of the state over padded steps ends in the
    same final states as a packed sequence: the forward direction's after the last real token, the backward
    direction's after the first token. The encoder's outputs at padded steps are masked keys (attention weight
    exactly 0), so their values do not matter.
  * decoder: the decoder LSTM runs all TargetLength steps unpacked (padding is only at the end, so padded steps never
    reach a real one). Keras then differs only on the padded rows (decoder input 0): its LSTM carries h over (the
    output of a padded step is that of the last real step), and Attention multiplies the context of a padded query
    by 0. Both are applied on top of the unpacked run, so the padded rows of "probabilities" are Keras's too. Padded
    rows have target 0, so they never reach the loss or the gradients.
  * loss: only the target ids that are not 0 count (sum of -log p[target] over them, divided by their number).

Self-check (the script exits non-zero and writes nothing if it fails):
  1. the PyTorch path equals a direct float64 transcription of the Keras 3 equations (LSTM cell, masking by carrying
     the state, go_backwards with the outputs flipped back, Attention with -1e9 on padded keys and the query mask)
     run on the Keras-layout weights, for every probability; this verifies the weight mapping and the masking;
  2. every gradient element equals a float64 central difference (h = 1e-5) of the loss taken with respect to the
     Keras-layout leaf, within abs 1e-7 + rel 1e-5;
  3. torch.autograd.gradcheck passes on the loss as a function of all leaves;
  4. no probability is below 1e-6 or above 1 - 1e-6, so Keras's clip to [1e-7, 1 - 1e-7] changes nothing.
"""

import argparse
import json
import math
import os
import random
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'StaticRnn.Numerics.Tests', 'Fixtures', 'torch'))
GENERATOR = (f'PyTorch {torch.__version__} (CPU, float64, results rounded to float32) '
             'via tests/oracles/torch/make-seq2seq-fixtures.py')
FD_H, FD_ABS, FD_REL = 1e-5, 1e-7, 1e-5
KERAS_ABS = 1e-13          # PyTorch path vs the Keras-equation transcription (both float64)
PROBABILITY_FLOOR = 1e-6   # Keras clips at 1e-7; stay clear of it
DT = torch.float64

CASE = 'seq2seq_lstm_attention'
SEED = 0x5E025E01
START_TOKEN, END_TOKEN = 1, 2
SOURCE_LENGTH, TARGET_LENGTH = 7, 6
SOURCE_VOCABULARY, TARGET_VOCABULARY = 11, 9
EMBEDDING, ENCODER_UNITS, DECODER_UNITS = 6, 5, 10
SOURCE_LENGTHS = [7, 4, 5]          # real ids per source sequence, then 0 padding
TARGET_LENGTHS = [6, 3, 4]          # real ids per target sequence including the end token, then 0 padding
SOURCE_IDS = (3, 10)                # real source ids are drawn uniformly from this range (inclusive)
TARGET_IDS = (3, 8)                 # real target ids before the end token
PARAMETER_COUNT = 1470

# Keras get_weights() order: (name, shape, kind); kind 'gamma' is drawn from U[0.5, 1.5], 'w' from U[-0.6, 0.6].
E, U, D = ENCODER_UNITS, DECODER_UNITS, EMBEDDING
WEIGHTS = [
    ('embedding/embeddings', [SOURCE_VOCABULARY, D], 'w'),
    ('bidirectional/forward_lstm/kernel', [D, 4 * E], 'w'),
    ('bidirectional/forward_lstm/recurrent_kernel', [E, 4 * E], 'w'),
    ('bidirectional/forward_lstm/bias', [4 * E], 'w'),
    ('bidirectional/backward_lstm/kernel', [D, 4 * E], 'w'),
    ('bidirectional/backward_lstm/recurrent_kernel', [E, 4 * E], 'w'),
    ('bidirectional/backward_lstm/bias', [4 * E], 'w'),
    ('embedding_1/embeddings', [TARGET_VOCABULARY, D], 'w'),
    ('lstm_1/kernel', [D, 4 * U], 'w'),
    ('lstm_1/recurrent_kernel', [U, 4 * U], 'w'),
    ('lstm_1/bias', [4 * U], 'w'),
    ('attention/scale', [], 'gamma'),
    ('dense/kernel', [2 * U, TARGET_VOCABULARY], 'w'),
    ('dense/bias', [TARGET_VOCABULARY], 'w'),
]
assert U == 2 * E, 'the decoder state is the concatenation of both encoder directions'


def fail(msg):
    raise SystemExit(f'make-seq2seq-fixtures: {msg}')


def f32(v):
    """Round a Python float (double) to the nearest float32, returned as a Python float."""
    return torch.tensor(v, dtype=DT).to(torch.float32).item()


def build():
    rng = random.Random(SEED)
    leaves = []
    for _, shape, kind in WEIGHTS:
        lo, hi = (0.5, 1.5) if kind == 'gamma' else (-0.6, 0.6)
        values = [f32(rng.uniform(lo, hi)) for _ in range(math.prod(shape))]
        leaves.append(torch.tensor(values, dtype=DT).reshape(shape).requires_grad_(True))
    sources, targets = [], []
    for n in SOURCE_LENGTHS:
        sources += [rng.randint(*SOURCE_IDS) for _ in range(n)] + [0] * (SOURCE_LENGTH - n)
    for n in TARGET_LENGTHS:
        targets += [rng.randint(*TARGET_IDS) for _ in range(n - 1)] + [END_TOKEN] + [0] * (TARGET_LENGTH - n)
    return leaves, sources, targets


def lstm_params(kernel, recurrent_kernel, bias):
    """One direction's torch._VF.lstm parameters [weight_ih, weight_hh, bias_ih, bias_hh] from the Keras layout."""
    return [kernel.T, recurrent_kernel.T, bias, torch.zeros_like(bias)]


def encoder(w, sources):
    """Bidirectional LSTM over the packed embedded sources: (outputs (B, S, 2E), h_final (B, 2E), c_final (B, 2E))."""
    x = F.embedding(sources, w[0])
    lengths = (sources != 0).sum(dim=1)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    zeros = torch.zeros(2, sources.shape[0], E, dtype=DT)
    params = lstm_params(w[1], w[2], w[3]) + lstm_params(w[4], w[5], w[6])
    # The packed overload of the kernel nn.LSTM calls: (data, batch_sizes, hx, params, has_biases, num_layers, dropout,
    # train, bidirectional). hx would be permuted by sorted_indices, but it is zero.
    data, h, c = torch._VF.lstm(packed.data, packed.batch_sizes, (zeros, zeros), params, True, 1, 0.0, False, True)
    outputs, _ = pad_packed_sequence(PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices),
                                     batch_first=True, total_length=SOURCE_LENGTH)
    # h, c are (directions, batch) in the packed (sorted) batch order: back to the caller's order, then [fw | bw].
    h = h.index_select(1, packed.unsorted_indices)
    c = c.index_select(1, packed.unsorted_indices)
    return outputs, torch.cat([h[0], h[1]], dim=1), torch.cat([c[0], c[1]], dim=1)


def decoder_inputs(targets):
    start = torch.full((targets.shape[0], 1), START_TOKEN, dtype=targets.dtype)
    return torch.cat([start, targets[:, :-1]], dim=1)


def probabilities(w, sources, targets):
    memory, h0, c0 = encoder(w, sources)
    inputs = decoder_inputs(targets)
    y = F.embedding(inputs, w[7])
    query, _, _ = torch._VF.lstm(y, (h0.unsqueeze(0), c0.unsqueeze(0)), lstm_params(w[8], w[9], w[10]), True, 1, 0.0, False, False, True)
    # Keras masking on the decoder (padding only at the end): a padded step's output is the last real step's.
    real = (inputs != 0).sum(dim=1)
    steps = torch.arange(TARGET_LENGTH).unsqueeze(0)
    carried = torch.minimum(steps, (real - 1).unsqueeze(1))                           # (B, T)
    query = query.gather(1, carried.unsqueeze(2).expand(-1, -1, U))
    scores = w[11] * (query @ memory.transpose(1, 2))                                   # (B, T, S)
    scores = scores.masked_fill((sources == 0).unsqueeze(1), float('-inf'))            # padded keys: weight exactly 0
    context = torch.softmax(scores, dim=-1) @ memory
    context = context * (inputs != 0).unsqueeze(2).to(DT)                             # Keras: padded queries give 0
    features = torch.cat([context, query], dim=-1)
    return torch.log_softmax(features @ w[12] + w[13], dim=-1)


def loss_of(log_p, targets):
    keep = targets != 0
    picked = log_p.gather(2, targets.unsqueeze(2)).squeeze(2)
    return -(picked * keep.to(DT)).sum() / keep.sum()


def keras_lstm(x, mask, kernel, recurrent_kernel, bias, h, c, go_backwards=False):
    """Keras 3 LSTM (return_sequences) for one sequence, written from its equations; masked steps carry the state."""
    steps = list(range(x.shape[0]))
    if go_backwards:
        steps.reverse()
    out = []
    for t in steps:
        if mask[t]:
            z = x[t] @ kernel + h @ recurrent_kernel + bias
            i, f, g, o = z.chunk(4)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        out.append(h)
    if go_backwards:
        out.reverse()   # Bidirectional flips the backward layer's sequence back
    return torch.stack(out), h, c


def keras_probabilities(w, sources, targets):
    """The whole model from the Keras 3 equations on the Keras-layout weights, one sequence at a time."""
    inputs = decoder_inputs(targets)
    rows = []
    for b in range(sources.shape[0]):
        src, dec = sources[b], inputs[b]
        x = w[0][src]
        zero = torch.zeros(E, dtype=DT)
        fw, hf, cf = keras_lstm(x, src != 0, w[1], w[2], w[3], zero, zero)
        bw, hb, cb = keras_lstm(x, src != 0, w[4], w[5], w[6], zero, zero, go_backwards=True)
        memory = torch.cat([fw, bw], dim=1)
        query, _, _ = keras_lstm(w[7][dec], dec != 0, w[8], w[9], w[10], torch.cat([hf, hb]), torch.cat([cf, cb]))
        scores = w[11] * (query @ memory.T) - 1.0e9 * (src == 0).to(DT).unsqueeze(0)
        context = torch.softmax(scores, dim=-1) @ memory * (dec != 0).to(DT).unsqueeze(1)
        logits = torch.cat([context, query], dim=1) @ w[12] + w[13]
        rows.append(torch.softmax(logits, dim=-1))
    return torch.stack(rows)


def self_check(leaves, sources, targets, log_p, grads):
    stats = {}
    with torch.no_grad():
        reference = keras_probabilities(leaves, sources, targets)
        stats['keras'] = (log_p.exp() - reference).abs().max().item()
    if not stats['keras'] <= KERAS_ABS:
        fail(f'the PyTorch path differs from the Keras equations by {stats["keras"]}')
    p = log_p.detach().exp()
    if p.min().item() < PROBABILITY_FLOOR or p.max().item() > 1 - PROBABILITY_FLOOR:
        fail(f'a probability ({p.min().item()} .. {p.max().item()}) is near Keras\'s clip to [1e-7, 1 - 1e-7]')
    stats['p_range'] = (p.min().item(), p.max().item())

    def f(*ws):
        return loss_of(probabilities(ws, sources, targets), targets)

    worst_abs, worst_ratio = 0.0, 0.0
    for name, leaf, grad in zip((n for n, _, _ in WEIGHTS), leaves, grads):
        flat = leaf.detach().reshape(-1)
        for j in range(flat.numel()):
            keep = flat[j].item()
            with torch.no_grad():
                flat[j] = keep + FD_H
                up = f(*leaves).item()
                flat[j] = keep - FD_H
                down = f(*leaves).item()
                flat[j] = keep
            numeric = (up - down) / (2 * FD_H)
            analytic = grad.reshape(-1)[j].item()
            err = abs(numeric - analytic)
            tol = FD_ABS + FD_REL * abs(numeric)
            worst_abs, worst_ratio = max(worst_abs, err), max(worst_ratio, err / tol)
            if err > tol:
                fail(f'{name} element {j}: gradient {analytic}, central difference {numeric}')
    stats['fd_abs'], stats['fd_ratio'] = worst_abs, worst_ratio
    if not torch.autograd.gradcheck(f, tuple(leaves), eps=1e-6, atol=1e-6, rtol=1e-4):
        fail('gradcheck failed')
    return stats


def number(v):
    return repr(float(v))


def floats(values):
    return ', '.join(number(f32(v)) for v in values)


def write(leaves, sources, targets, p, loss, grads):
    lines = ['{', f'  "case": "{CASE}",', f'  "generator": "{GENERATOR}",',
             f'  "start_token": {START_TOKEN},', f'  "end_token": {END_TOKEN},',
             f'  "source_length": {SOURCE_LENGTH},', f'  "target_length": {TARGET_LENGTH},',
             f'  "source_vocabulary": {SOURCE_VOCABULARY},', f'  "target_vocabulary": {TARGET_VOCABULARY},',
             f'  "parameter_count": {sum(l.numel() for l in leaves)},', f'  "batch": {len(SOURCE_LENGTHS)},',
             f'  "sources": {json.dumps(sources)},', f'  "targets": {json.dumps(targets)},', '  "weights": [']
    for i, ((name, shape, _), leaf) in enumerate(zip(WEIGHTS, leaves)):
        lines.append(f'    {{"name": "{name}", "shape": {json.dumps(shape)}, "values": [{floats(leaf.detach().reshape(-1).tolist())}]}}'
                     + (',' if i < len(WEIGHTS) - 1 else ''))
    lines.append('  ],')
    lines.append(f'  "probabilities": [{floats(p.reshape(-1).tolist())}],')
    lines.append(f'  "loss": {number(f32(loss))},')
    lines.append('  "gradients": [')
    for i, ((name, shape, _), grad) in enumerate(zip(WEIGHTS, grads)):
        lines.append(f'    {{"name": "{name}", "shape": {json.dumps(shape)}, "values": [{floats(grad.detach().reshape(-1).tolist())}]}}'
                     + (',' if i < len(WEIGHTS) - 1 else ''))
    lines.append('  ]')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--check', action='store_true', help='self-check and compare with the committed fixture; write nothing')
    args = parser.parse_args()
    torch.set_num_threads(1)
    leaves, sources, targets = build()
    count = sum(l.numel() for l in leaves)
    if count != PARAMETER_COUNT:
        fail(f'{count} parameters, expected {PARAMETER_COUNT}')
    src = torch.tensor(sources, dtype=torch.long).reshape(len(SOURCE_LENGTHS), SOURCE_LENGTH)
    tgt = torch.tensor(targets, dtype=torch.long).reshape(len(TARGET_LENGTHS), TARGET_LENGTH)
    log_p = probabilities(leaves, src, tgt)
    loss = loss_of(log_p, tgt)
    grads = torch.autograd.grad(loss, leaves)
    stats = self_check(leaves, src, tgt, log_p, grads)
    text = write(leaves, sources, targets, log_p.detach().exp(), loss.item(), grads)
    print(f'{CASE}: {count} parameters, loss {loss.item():.9g}; PyTorch vs Keras equations {stats["keras"]:.2g}; probabilities '
          f'{stats["p_range"][0]:.3g} .. {stats["p_range"][1]:.3g}; gradient vs central difference max abs {stats["fd_abs"]:.2g}, '
          f'err/tol {stats["fd_ratio"]:.3f}; gradcheck ok; self-check passed', file=sys.stderr)
    path = os.path.join(OUT_DIR, CASE + '.json')
    if args.check:
        if not os.path.exists(path) or open(path, encoding='utf-8').read() != text:
            fail(f'{path} differs from a fresh run')
        print('committed fixture matches a fresh run', file=sys.stderr)
        return
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='\n') as out:
        out.write(text)


if __name__ == '__main__':
    main()
