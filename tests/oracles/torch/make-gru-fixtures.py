"""PyTorch oracle for Keras 3 GRU(reset_after=True) fixtures (StaticRnn).

    cd tests/oracles/torch && python3 make-gru-fixtures.py            # write fixtures + self-check
    python3 make-gru-fixtures.py --check                               # self-check only; also verifies
                                                                       # that the committed fixtures are
                                                                       # byte-identical to a fresh run

TensorFlow.js has no reset_after=True GRU (its GRUCell throws), so this script is the oracle for
that mode. It builds torch.nn.GRU + torch.nn.Linear in float64 on the CPU, loads weights that were
drawn in the Keras 3 layout (and maps them to PyTorch's), computes the forward pass, the loss and,
with autograd, the gradients, and maps the gradients back to the Keras layout. Outputs, loss and
gradients are rounded to float32 only when written, so every stored number is the float32 value
nearest (up to float64 rounding) to the exact result.

Self-check (the script exits non-zero and writes nothing for a failing case):
  * nn.GRU (PyTorch layout) equals a direct float64 transcription of the Keras 3 GRUCell equations
    evaluated on the Keras-layout weights (proves the weight mapping and go_backwards handling);
  * every gradient element equals a float64 central difference (h = 1e-4) of the loss taken with
    respect to the Keras-layout weight, within abs 1e-5 + rel 1e-3 (proves the gradient mapping);
  * torch.autograd.gradcheck on the loss as a function of the Keras-layout weights;
  * a float32 copy of the model agrees with the float64 results to float32 accuracy (informative).
The plain-JS float64 reference in tests/oracles/tfjs/make-fixtures.mjs cross-checks the written
fixtures independently.

Keras <-> PyTorch GRU layout (u = units):
  Keras kernel (in, 3u) columns [z | r | h];   PyTorch weight_ih_l0 (3u, in) rows [r | z | n]
  Keras recurrent_kernel (u, 3u) [z | r | h];  PyTorch weight_hh_l0 (3u, u)  rows [r | z | n]
  Keras bias (2, 3u): row 0 = input bias -> bias_ih_l0, row 1 = recurrent bias -> bias_hh_l0
  PyTorch n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) is Keras reset_after=True, and
  h' = (1 - z) * n + z * h is Keras h = z * h_prev + (1 - z) * hh.
go_backwards: the time axis of the input is reversed; the returned sequence stays in processed
order (as Keras 3 returns it), and the last output is the state after the first time step.
"""

import argparse
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'StaticRnn.Numerics.Tests', 'Fixtures', 'torch'))
GENERATOR = (f'PyTorch {torch.__version__} torch.nn.GRU (CPU, float64, results rounded to float32) '
             'via tests/oracles/torch/make-gru-fixtures.py')

WEIGHT_RANGE = 0.6   # weights ~ U[-0.6, 0.6]
INPUT_RANGE = 1.0    # inputs / mse targets ~ U[-1, 1]
BATCHES = [1, 7]
GRAD_ABS, GRAD_REL = 1e-5, 1e-3
FD_H = 1e-4
F32_ABS, F32_REL = 1e-5, 1e-4   # float32 torch copy vs float64 (informative sanity bound)


def gru(units, go_backwards, return_sequences):
    return {'type': 'GRU', 'units': units, 'activation': 'tanh', 'recurrent_activation': 'sigmoid',
            'use_bias': True, 'return_sequences': return_sequences, 'go_backwards': go_backwards,
            'reset_after': True}


def dense(units):
    return {'type': 'Dense', 'units': units, 'activation': 'linear', 'use_bias': True}


# Keras auto-names: gru, dense. Every case is GRU -> Dense(linear), loss mse.
CASES = [
    {'name': 'gru_reset_after', 'seed': 0x5EED000C, 'input_shape': [6, 4], 'loss': 'mse',
     'layers': [gru(5, go_backwards=False, return_sequences=False), dense(3)],
     'parameter_count': 183, 'output_shape': [3]},
    {'name': 'gru_reset_after_backwards_seq', 'seed': 0x5EED000D, 'input_shape': [5, 3], 'loss': 'mse',
     'layers': [gru(10, go_backwards=True, return_sequences=True), dense(2)],
     'parameter_count': 472, 'output_shape': [5, 2]},
]


def fail(msg):
    raise SystemExit(f'make-gru-fixtures: {msg}')


# ------------------------------------------------------------------------------------------------
# Deterministic data: the same mulberry32 PRNG and drawing order as tests/oracles/tfjs/make-fixtures.mjs
# ------------------------------------------------------------------------------------------------
M32 = 0xFFFFFFFF


def mulberry32(seed):
    state = [seed & M32]

    def imul(a, b):
        return (a * b) & M32

    def nxt():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296
    return nxt


# Known answers of the JavaScript implementation (first values for seed 0x5eed000c and for seed 0).
MULBERRY32_KAT = {0x5EED000C: [0.33062703465111554, 0.9730275624897331, 0.09762282483279705],
                  0: [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]}


def f32(v):
    """Round a Python float (double) to the nearest float32, returned as a Python float."""
    return torch.tensor(v, dtype=torch.float64).to(torch.float32).item()


def uniform_f32(rng, n, r):
    return [f32(-r + 2 * r * rng()) for _ in range(n)]


def prod(shape):
    p = 1
    for d in shape:
        p *= d
    return p


def keras_names(layers):
    counters, names = {}, []
    for l in layers:
        base = {'GRU': 'gru', 'Dense': 'dense'}[l['type']]
        n = counters.get(base, 0)
        counters[base] = n + 1
        names.append(base if n == 0 else f'{base}_{n}')
    return names


def weight_specs(c):
    """Weights in Keras get_weights() order: GRU kernel, recurrent_kernel, bias (2, 3u); Dense kernel, bias."""
    specs, in_dim = [], c['input_shape'][-1]
    for l, nm in zip(c['layers'], keras_names(c['layers'])):
        u = l['units']
        if l['type'] == 'GRU':
            specs += [(f'{nm}/kernel', [in_dim, 3 * u]), (f'{nm}/recurrent_kernel', [u, 3 * u]),
                      (f'{nm}/bias', [2, 3 * u])]
        else:
            specs += [(f'{nm}/kernel', [in_dim, u]), (f'{nm}/bias', [u])]
        in_dim = u
    return specs


def make_case_data(c):
    specs = weight_specs(c)
    if sum(prod(s) for _, s in specs) != c['parameter_count']:
        fail(f"{c['name']}: spec parameter count != {c['parameter_count']}")
    rng = mulberry32(c['seed'])
    weights = [uniform_f32(rng, prod(shape), WEIGHT_RANGE) for _, shape in specs]
    runs = []
    for batch in BATCHES:
        x = uniform_f32(rng, batch * prod(c['input_shape']), INPUT_RANGE)
        y = uniform_f32(rng, batch * prod(c['output_shape']), INPUT_RANGE)   # mse targets
        runs.append({'batch': batch, 'x': x, 'y': y})
    return specs, weights, runs


# ------------------------------------------------------------------------------------------------
# Keras layout <-> PyTorch layout
# ------------------------------------------------------------------------------------------------
def zr_swap(t, u):
    """Swap the first two u-sized blocks along dim 0 ([z|r|h] <-> [r|z|n]); its own inverse."""
    return torch.cat([t[u:2 * u], t[0:u], t[2 * u:3 * u]], dim=0)


def keras_to_torch(c, kw):
    """Keras-layout weight tensors (list, get_weights order) -> dict of PyTorch parameter tensors."""
    g, d = c['layers']
    u = g['units']
    k, rk, b, dk, db = kw
    return {
        'gru.weight_ih_l0': zr_swap(k.t(), u),
        'gru.weight_hh_l0': zr_swap(rk.t(), u),
        'gru.bias_ih_l0': zr_swap(b[0], u),
        'gru.bias_hh_l0': zr_swap(b[1], u),
        'dense.weight': dk.t(),
        'dense.bias': db,
    }


def torch_grads_to_keras(c, grads):
    """Gradients of the PyTorch parameters -> Keras get_weights() layout (list)."""
    u = c['layers'][0]['units']
    return [t.contiguous() for t in (
        zr_swap(grads['gru.weight_ih_l0'], u).t(),
        zr_swap(grads['gru.weight_hh_l0'], u).t(),
        torch.stack([zr_swap(grads['gru.bias_ih_l0'], u), zr_swap(grads['gru.bias_hh_l0'], u)]),
        grads['dense.weight'].t(),
        grads['dense.bias'],
    )]


class GruDense(torch.nn.Module):
    """Keras Sequential([GRU(reset_after=True, tanh/sigmoid), Dense(linear)]) on PyTorch modules."""

    def __init__(self, c, dtype):
        super().__init__()
        g, d = c['layers']
        if not (g['type'] == 'GRU' and g['reset_after'] and g['use_bias'] and g['activation'] == 'tanh'
                and g['recurrent_activation'] == 'sigmoid' and d['type'] == 'Dense'
                and d['activation'] == 'linear' and d['use_bias']):
            fail(f"{c['name']}: nn.GRU only models GRU(tanh, sigmoid, use_bias, reset_after=True) -> Dense(linear)")
        self.go_backwards = g['go_backwards']
        self.return_sequences = g['return_sequences']
        self.gru = torch.nn.GRU(input_size=c['input_shape'][-1], hidden_size=g['units'], num_layers=1,
                                bias=True, batch_first=True, dropout=0.0, bidirectional=False, dtype=dtype)
        self.dense = torch.nn.Linear(g['units'], d['units'], bias=True, dtype=dtype)

    def forward(self, x):                       # x: (batch, T, F)
        if self.go_backwards:
            x = torch.flip(x, dims=[1])         # process last-to-first; outputs stay in processed order
        seq, _ = self.gru(x)                    # h_0 = 0
        h = seq if self.return_sequences else seq[:, -1, :]
        return self.dense(h)                    # Linear acts on the last axis (per step for sequences)


def build_model(c, kw, dtype):
    model = GruDense(c, dtype)
    params = dict(model.named_parameters())
    mapped = keras_to_torch(c, kw)
    if set(params) != set(mapped):
        fail(f"{c['name']}: parameter names {sorted(params)}")
    with torch.no_grad():
        for name, p in params.items():
            if tuple(p.shape) != tuple(mapped[name].shape):
                fail(f"{c['name']}: {name} shape {tuple(p.shape)} vs {tuple(mapped[name].shape)}")
            p.copy_(mapped[name].to(dtype))
    return model


def mse(yhat, y):
    return torch.mean((yhat - y) ** 2)      # Keras 3 sum_over_batch_size = mean over all elements


def keras_gru_dense_forward(c, kw, x):
    """Direct transcription of the Keras 3 GRUCell (reset_after=True, implementation 2) + Dense."""
    g = c['layers'][0]
    u = g['units']
    k, rk, b, dk, db = kw
    batch, steps = x.shape[0], x.shape[1]
    h = torch.zeros(batch, u, dtype=x.dtype)
    outs = []
    order = range(steps - 1, -1, -1) if g['go_backwards'] else range(steps)
    for t in order:
        mx = x[:, t, :] @ k + b[0]
        mi = h @ rk + b[1]
        z = torch.sigmoid(mx[:, :u] + mi[:, :u])
        r = torch.sigmoid(mx[:, u:2 * u] + mi[:, u:2 * u])
        hh = torch.tanh(mx[:, 2 * u:] + r * mi[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    hs = torch.stack(outs, dim=1) if g['return_sequences'] else h
    return hs @ dk + db


# ------------------------------------------------------------------------------------------------
# Oracle + self-check for one case
# ------------------------------------------------------------------------------------------------
def run_case(c, specs, weights, run):
    name = c['name']
    kw64 = [torch.tensor(w, dtype=torch.float64).reshape(shape) for w, (_, shape) in zip(weights, specs)]
    x64 = torch.tensor(run['x'], dtype=torch.float64).reshape(run['batch'], *c['input_shape'])
    y64 = torch.tensor(run['y'], dtype=torch.float64).reshape(run['batch'], *c['output_shape'])
    stats = {}

    # float64 oracle: forward, loss, autograd gradients mapped back to the Keras layout.
    model = build_model(c, kw64, torch.float64)
    yhat = model(x64)
    if list(yhat.shape) != [run['batch']] + c['output_shape']:
        fail(f'{name}: output shape {list(yhat.shape)}')
    loss = mse(yhat, y64)
    model.zero_grad()
    loss.backward()
    grads = torch_grads_to_keras(c, {n: p.grad for n, p in model.named_parameters()})
    for g, (wn, shape) in zip(grads, specs):
        if list(g.shape) != shape:
            fail(f'{name}: gradient {wn} shape {list(g.shape)}')

    # 1. nn.GRU path == direct Keras-equation path on Keras-layout weights.
    with torch.no_grad():
        direct = keras_gru_dense_forward(c, kw64, x64)
    stats['keras_eq_diff'] = (direct - yhat.detach()).abs().max().item()

    # 2. Every gradient element vs float64 central differences w.r.t. the Keras-layout weights.
    out32 = yhat.detach().to(torch.float32)
    loss32 = loss.detach().to(torch.float32)
    g32 = [g.detach().to(torch.float32) for g in grads]
    worst_abs, worst_rel, worst_ratio, worst_a64, problems = 0.0, 0.0, 0.0, 0.0, []
    fd_model = build_model(c, kw64, torch.float64)
    with torch.no_grad():
        params = dict(fd_model.named_parameters())
        for wi, (wn, _) in enumerate(specs):
            flat = kw64[wi].view(-1)
            for k in range(flat.numel()):
                orig = flat[k].item()
                vals = []
                for sgn in (1, -1):
                    flat[k] = orig + sgn * FD_H
                    for pn, pv in keras_to_torch(c, kw64).items():
                        params[pn].copy_(pv)
                    vals.append(mse(fd_model(x64), y64).item())
                flat[k] = orig
                fd = (vals[0] - vals[1]) / (2 * FD_H)
                g = g32[wi].reshape(-1)[k].item()
                d = abs(g - fd)
                tol = GRAD_ABS + GRAD_REL * abs(fd)
                worst_abs = max(worst_abs, d)
                if abs(fd) > 1e-6:
                    worst_rel = max(worst_rel, d / abs(fd))
                worst_ratio = max(worst_ratio, d / tol)
                worst_a64 = max(worst_a64, abs(grads[wi].reshape(-1)[k].item() - fd))
                if d > tol:
                    problems.append(f'batch {run["batch"]}: d loss/d {wn}[{k}] torch {g} vs finite-difference {fd}')
    stats.update(grad_abs=worst_abs, grad_rel=worst_rel, grad_ratio=worst_ratio, grad64_abs=worst_a64)

    # 3. torch.autograd.gradcheck of the loss as a function of the Keras-layout weights.
    # (torch.nn.utils.stateless.functional_call does not reach nn.GRU's cached flat weights in
    # torch 1.13, so the mapped tensors are installed as plain attributes; nn.RNNBase.__setattr__
    # refreshes its flat-weight list for them.)
    def loss_of_keras_weights(*kw):
        m = GruDense(c, torch.float64)
        for pname, t in keras_to_torch(c, list(kw)).items():
            sub, attr = pname.split('.')
            delattr(getattr(m, sub), attr)
            setattr(getattr(m, sub), attr, t)
        return mse(m(x64), y64)
    with torch.no_grad():
        stats['gradcheck_fn_diff'] = abs(loss_of_keras_weights(*kw64).item() - loss.item())
    if not stats['gradcheck_fn_diff'] <= 1e-15:
        problems.append(f'batch {run["batch"]}: gradcheck loss function differs from the model by {stats["gradcheck_fn_diff"]}')
    inputs = tuple(w.detach().clone().requires_grad_(True) for w in kw64)
    stats['gradcheck'] = torch.autograd.gradcheck(loss_of_keras_weights, inputs, eps=1e-6, atol=1e-5,
                                                  rtol=1e-3, raise_exception=False)
    if not stats['gradcheck']:
        problems.append(f'batch {run["batch"]}: torch.autograd.gradcheck failed')

    # 4. float32 model copy (informative: float32 arithmetic noise of the same oracle).
    kw32 = [w.to(torch.float32) for w in kw64]
    m32 = build_model(c, kw32, torch.float32)
    yhat32 = m32(x64.to(torch.float32))
    l32 = mse(yhat32, y64.to(torch.float32))
    l32.backward()
    gr32 = torch_grads_to_keras(c, {n: p.grad for n, p in m32.named_parameters()})
    f32_out = (yhat32.detach().double() - yhat.detach()).abs().max().item()
    f32_grad = max((a.double() - b.detach()).abs().max().item() for a, b in zip(gr32, grads))
    stats.update(f32_out=f32_out, f32_loss_rel=abs(l32.item() - loss.item()) / abs(loss.item()), f32_grad=f32_grad)
    if not f32_out <= F32_ABS + F32_REL * yhat.detach().abs().max().item():
        problems.append(f'batch {run["batch"]}: float32 torch output differs from float64 by {f32_out}')
    if not stats['keras_eq_diff'] <= 1e-12:
        problems.append(f'batch {run["batch"]}: nn.GRU differs from the Keras equations by {stats["keras_eq_diff"]}')

    result = {
        'output': [float(v) for v in out32.reshape(-1).tolist()],
        'loss': float(loss32.item()),
        'gradients': [[float(v) for v in g.reshape(-1).tolist()] for g in g32],
    }
    return result, stats, problems


# ------------------------------------------------------------------------------------------------
# JSON, formatted exactly like tests/oracles/tfjs/make-fixtures.mjs (JavaScript number formatting)
# ------------------------------------------------------------------------------------------------
def js_number(v):
    """ECMAScript Number::toString for a finite double (shortest round-trip digits, JS exponent rules)."""
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        fail(f'non-finite number {v} in fixture')
    if v == 0:
        return '0'                                  # JSON.stringify(-0) is "0" as well
    sign = '-' if v < 0 else ''
    s = repr(abs(v))                                # shortest round-trip digits, like JavaScript
    mant, _, exp = s.partition('e')
    exp = int(exp) if exp else 0
    ip, _, fp = mant.partition('.')
    allds = ip + fp
    stripped = allds.lstrip('0')
    n = len(ip) + exp - (len(allds) - len(stripped))  # value = 0.DIGITS x 10^n
    digits = stripped.rstrip('0')
    k = len(digits)
    if k <= n <= 21:
        out = digits + '0' * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + '.' + digits[n:]
    elif -6 < n <= 0:
        out = '0.' + '0' * (-n) + digits
    else:
        e = n - 1
        es = ('+' if e >= 0 else '-') + str(abs(e))
        out = (digits if k == 1 else digits[0] + '.' + digits[1:]) + 'e' + es
    return sign + out


def js_string(s):
    if not all(32 <= ord(ch) < 127 and ch not in '"\\' for ch in s):
        fail(f'unsupported string {s!r}')
    return '"' + s + '"'


def scalar(e):
    return js_string(e) if isinstance(e, str) else ('null' if e is None else js_number(e))


def format_json(v, indent=''):
    inner = indent + '  '
    if isinstance(v, list):
        if all(not isinstance(e, (list, dict)) for e in v):
            return '[' + ', '.join(scalar(e) for e in v) + ']'
        return '[\n' + ',\n'.join(inner + format_json(e, inner) for e in v) + '\n' + indent + ']'
    if isinstance(v, dict):
        if all(not isinstance(e, (list, dict)) for e in v.values()):
            return '{' + ', '.join(f'{js_string(k)}: {scalar(e)}' for k, e in v.items()) + '}'
        return ('{\n' + ',\n'.join(f'{inner}{js_string(k)}: {format_json(e, inner)}' for k, e in v.items())
                + '\n' + indent + '}')
    return scalar(v)


def layer_json(l, name):
    if l['type'] == 'Dense':
        return {'type': 'Dense', 'name': name, 'units': l['units'], 'activation': l['activation'],
                'use_bias': l['use_bias']}
    return {'type': 'GRU', 'name': name, 'units': l['units'], 'activation': l['activation'],
            'recurrent_activation': l['recurrent_activation'], 'use_bias': l['use_bias'],
            'return_sequences': l['return_sequences'], 'go_backwards': l['go_backwards'],
            'reset_after': l['reset_after']}


def to_json_object(c, specs, weights, runs, results):
    names = keras_names(c['layers'])
    return {
        'case': c['name'],
        'generator': GENERATOR,
        'input_shape': c['input_shape'],
        'loss': c['loss'],
        'layers': [layer_json(l, nm) for l, nm in zip(c['layers'], names)],
        'parameter_count': c['parameter_count'],
        'weights': [{'name': n, 'shape': s, 'values': w} for (n, s), w in zip(specs, weights)],
        'runs': [{
            'batch': run['batch'], 'x': run['x'], 'y': run['y'], 'output': res['output'], 'loss': res['loss'],
            'gradients': [{'name': n, 'values': g} for (n, _), g in zip(specs, res['gradients'])],
        } for run, res in zip(runs, results)],
    }


def self_test_helpers():
    for seed, expected in MULBERRY32_KAT.items():
        rng = mulberry32(seed)
        got = [rng() for _ in expected]
        if got != expected:
            fail(f'mulberry32 port disagrees with the JavaScript PRNG for seed {seed:#x}: {got}')
    t = torch.arange(15.0).reshape(15, 1)
    if not torch.equal(zr_swap(zr_swap(t, 5), 5), t):
        fail('zr_swap is not an involution')
    for v, s in [(1.0, '1'), (-0.0, '0'), (0.1, '0.1'), (1e-7, '1e-7'), (1.5e-7, '1.5e-7'), (1e-6, '0.000001'),
                 (123456.0, '123456'), (1e21, '1e+21'), (1e20, '100000000000000000000'),
                 (-2.5e-10, '-2.5e-10'), (0.10000000149011612, '0.10000000149011612')]:
        if js_number(v) != s:
            fail(f'js_number({v!r}) = {js_number(v)}, expected {s}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='self-check only; fail if committed fixtures are stale')
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    self_test_helpers()

    all_problems, stale, rows = [], [], []
    for c in CASES:
        specs, weights, runs = make_case_data(c)
        results, case_problems = [], []
        agg = {}
        for run in runs:
            res, stats, problems = run_case(c, specs, weights, run)
            results.append(res)
            case_problems += problems
            for key, val in stats.items():
                if key == 'gradcheck':
                    agg[key] = agg.get(key, True) and val
                else:
                    agg[key] = max(agg.get(key, 0.0), val)
        rows.append((c['name'], agg))
        all_problems += [f"{c['name']}: {p}" for p in case_problems[:20]]
        text = format_json(to_json_object(c, specs, weights, runs, results)) + '\n'
        path = os.path.join(OUT_DIR, c['name'] + '.json')
        if args.check:
            if not os.path.exists(path) or open(path, encoding='utf-8').read() != text:
                stale.append(path)
        elif not case_problems:
            os.makedirs(OUT_DIR, exist_ok=True)
            with open(path, 'w', encoding='utf-8', newline='\n') as f:
                f.write(text)

    print(f'self-check: PyTorch {torch.__version__} float64 oracle; central differences h={FD_H}')
    print('case                           keras-eq diff  grad max abs  grad max rel  err/tol  f64 grad-fd  gradcheck'
          '  f32 out diff  f32 loss rel  f32 grad diff')
    for name, s in rows:
        print(f"{name:<31}{s['keras_eq_diff']:<15.2e}{s['grad_abs']:<14.2e}{s['grad_rel']:<14.2e}"
              f"{s['grad_ratio']:<9.3f}{s['grad64_abs']:<13.2e}{'ok' if s['gradcheck'] else 'FAIL':<11}"
              f"{s['f32_out']:<14.2e}{s['f32_loss_rel']:<14.2e}{s['f32_grad']:.2e}")
    print('(keras-eq diff = nn.GRU vs direct Keras 3 GRUCell equations on Keras-layout weights; err/tol = worst\n'
          ' |float32 gradient - fd| / (1e-5 + 1e-3*|fd|); f64 grad-fd = float64 autograd vs fd; f32 = float32 model copy)')

    if all_problems:
        print('\nSELF-CHECK FAILED:', file=sys.stderr)
        for p in all_problems:
            print('  ' + p, file=sys.stderr)
        sys.exit(1)
    rel = os.path.relpath(OUT_DIR)
    if args.check:
        if stale:
            print('\nFixtures on disk differ from a fresh run (regenerate with `python3 make-gru-fixtures.py`):',
                  file=sys.stderr)
            for p in stale:
                print('  ' + os.path.relpath(p), file=sys.stderr)
            sys.exit(1)
        print(f'\nOK: all checks passed; {len(CASES)} fixture files on disk are up to date.')
    else:
        print(f'\nOK: all checks passed; wrote {len(CASES)} fixtures to {rel}')


if __name__ == '__main__':
    main()
