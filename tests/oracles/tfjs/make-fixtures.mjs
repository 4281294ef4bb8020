// Numerical-oracle fixture generator for StaticRnn (Keras 3 Dense / SimpleRNN / LSTM / GRU / Bidirectional /
// Embedding / GlobalAveragePooling1D semantics).
//
//   cd tests/oracles/tfjs && npm ci && node make-fixtures.mjs          # write fixtures + self-check
//   node make-fixtures.mjs --check                                     # self-check only; also verifies
//                                                                      # that the committed fixtures are
//                                                                      # byte-identical to a fresh run
//
// Forward outputs, losses and gradients come from @tensorflow/tfjs 4.22.0 on the pure-JS
// "cpu" backend (float32). Every tfjs result is validated against an independent float64
// reference written below in plain JavaScript (forward pass + losses + central finite
// differences). The script exits non-zero if anything disagrees.
//
// The same float64 reference also cross-checks the GRU (reset_after=True) fixtures that
// tests/oracles/torch/make-gru-fixtures.py writes with PyTorch (tfjs has no reset_after=True GRU).

import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TFJS_VERSION = '4.22.0';
const GENERATOR = `@tensorflow/tfjs ${TFJS_VERSION} (cpu backend) via tests/oracles/tfjs/make-fixtures.mjs`;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.resolve(HERE, '../../StaticRnn.Numerics.Tests/Fixtures/tfjs');
const TORCH_DIR = path.resolve(HERE, '../../StaticRnn.Numerics.Tests/Fixtures/torch');
// Fixtures written by tests/oracles/torch/make-gru-fixtures.py; cross-checked here, never written here.
const TORCH_CASES = ['gru_reset_after', 'gru_reset_after_backwards_seq'];

const EPS = 1e-7;            // Keras 3 backend epsilon used by the crossentropy clips
const WEIGHT_RANGE = 0.6;    // weights ~ U[-0.6, 0.6]
const INPUT_RANGE = 1.0;     // inputs / mse targets ~ U[-1, 1]
const BATCHES = [1, 7];

// Self-check tolerances.
const FWD_ABS = 1e-6, FWD_REL = 1e-5;      // tfjs float32 forward/loss vs float64 reference
const GRAD_ABS = 1e-5, GRAD_REL = 1e-3;    // tfjs float32 gradient vs float64 central differences
const FD_H = 1e-4;

// ---------------------------------------------------------------------------------------------
// Cases. Layer names are the Keras auto-names within each model.
// ---------------------------------------------------------------------------------------------
const rnn = (units, activation, { useBias = true, returnSequences = false, goBackwards = false } = {}) =>
  ({ type: 'SimpleRNN', units, activation, useBias, returnSequences, goBackwards });
const dense = (units, activation, { useBias = true } = {}) => ({ type: 'Dense', units, activation, useBias });
// LSTM / GRU: activation and recurrentActivation are always given explicitly (tfjs defaults the
// recurrent activation to its own hard_sigmoid, 0.2x+0.5, which is not Keras 3's x/6+0.5).
const lstm = (units, activation, recurrentActivation, { useBias = true, returnSequences = false, goBackwards = false } = {}) =>
  ({ type: 'LSTM', units, activation, recurrentActivation, useBias, returnSequences, goBackwards });
const gru = (units, activation, recurrentActivation, { useBias = true, returnSequences = false, goBackwards = false, resetAfter } = {}) => {
  if (typeof resetAfter !== 'boolean') fail('gru(): resetAfter must be given explicitly');
  return { type: 'GRU', units, activation, recurrentActivation, useBias, returnSequences, goBackwards, resetAfter };
};
// Embedding(input_dim, output_dim), mask_zero=False (Keras 3 default; token id 0 is an ordinary token).
// Only as the first layer: the model input is then int32 token ids of shape (T,).
const embedding = (inputDim, outputDim) => ({ type: 'Embedding', inputDim, outputDim, maskZero: false });
// GlobalAveragePooling1D (Keras 3 defaults data_format="channels_last", keepdims=False): mean over time.
const globalAvgPool1d = () => ({ type: 'GlobalAveragePooling1D' });
const isRecurrent = (l) => l.type === 'SimpleRNN' || l.type === 'LSTM' || l.type === 'GRU';
const isEmbedding = (l) => l.type === 'Embedding';
const isPool = (l) => l.type === 'GlobalAveragePooling1D';
const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 };
// Bidirectional(layer, merge_mode). `layer` is the wrapped recurrent layer exactly as the user would
// write it; the forward copy is that layer, the backward copy is the same layer with go_backwards=True.
// The wrapped layer must have go_backwards=False: Keras 3 forces the backward copy's go_backwards to True
// and rejects a wrapped layer with go_backwards=True (tfjs would flip it instead; see the README).
const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'];
const bidi = (layer, mergeMode) => {
  if (!isRecurrent(layer)) fail('bidi(): the wrapped layer must be SimpleRNN, LSTM or GRU');
  if (layer.goBackwards !== false) fail('bidi(): Keras 3 rejects go_backwards=True on the layer wrapped by Bidirectional');
  if (!MERGE_MODES.includes(mergeMode)) fail(`bidi(): merge mode ${mergeMode}`);
  return { type: 'Bidirectional', mergeMode, layer };
};
const isBidi = (l) => l.type === 'Bidirectional';
const backwardCopy = (inner) => ({ ...inner, goBackwards: true });
// Feature size of a layer's output (per time step for sequences).
const outDim = (l) => (isBidi(l) ? (l.mergeMode === 'concat' ? 2 : 1) * l.layer.units : l.units);

const CASES = [
  {
    name: 'seed_model', seed: 0x5eed0001, inputShape: [10, 8], loss: 'mse',
    layers: [rnn(5, 'tanh', { returnSequences: true }), rnn(3, 'tanh'), dense(10, 'linear')],
    parameterCount: 137, outputShape: [10],
  },
  {
    name: 'dense_mlp', seed: 0x5eed0002, inputShape: [8], loss: 'mse',
    layers: [dense(6, 'relu'), dense(3, 'linear')],
    parameterCount: 75, outputShape: [3],
  },
  {
    name: 'rnn_relu_backwards_seq', seed: 0x5eed0003, inputShape: [6, 4], loss: 'binary_crossentropy',
    layers: [rnn(4, 'relu', { returnSequences: true, goBackwards: true }), dense(2, 'sigmoid')],
    parameterCount: 46, outputShape: [6, 2],
  },
  {
    name: 'rnn_sigmoid_nobias_softmax', seed: 0x5eed0004, inputShape: [5, 3], loss: 'sparse_categorical_crossentropy',
    layers: [rnn(6, 'sigmoid', { useBias: false, goBackwards: true }), dense(4, 'softmax')],
    parameterCount: 82, outputShape: [4],
  },
  {
    name: 'rnn_linear_last', seed: 0x5eed0005, inputShape: [4, 3], loss: 'mse',
    layers: [rnn(3, 'linear'), dense(1, 'linear', { useBias: false })],
    parameterCount: 24, outputShape: [1],
  },
  {
    name: 'rnn_stack_seq_softmax', seed: 0x5eed0006, inputShape: [7, 5], loss: 'sparse_categorical_crossentropy',
    layers: [rnn(8, 'tanh', { returnSequences: true, goBackwards: true }), rnn(9, 'relu', { returnSequences: true }), dense(3, 'softmax')],
    parameterCount: 304, outputShape: [7, 3],
  },
  {
    name: 'rnn_wide_tail', seed: 0x5eed0007, inputShape: [3, 11], loss: 'mse',
    layers: [rnn(13, 'tanh'), dense(9, 'tanh'), dense(2, 'linear')],
    parameterCount: 471, outputShape: [2],
  },
  {
    name: 'lstm_stack', seed: 0x5eed0008, inputShape: [6, 4], loss: 'mse',
    layers: [
      lstm(5, 'tanh', 'sigmoid', { returnSequences: true }),
      lstm(3, 'tanh', 'sigmoid', { goBackwards: true }),
      dense(2, 'linear'),
    ],
    parameterCount: 316, outputShape: [2],
  },
  {
    name: 'lstm_relu_nobias_seq_softmax', seed: 0x5eed0009, inputShape: [5, 3], loss: 'sparse_categorical_crossentropy',
    layers: [lstm(9, 'relu', 'sigmoid', { useBias: false, returnSequences: true, goBackwards: true }), dense(3, 'softmax')],
    parameterCount: 462, outputShape: [5, 3],
  },
  {
    name: 'lstm_wide', seed: 0x5eed000a, inputShape: [3, 10], loss: 'mse',
    layers: [lstm(12, 'tanh', 'sigmoid'), dense(4, 'tanh')],
    parameterCount: 1156, outputShape: [4],
  },
  {
    name: 'gru_reset_before', seed: 0x5eed000b, inputShape: [6, 4], loss: 'binary_crossentropy',
    layers: [gru(7, 'tanh', 'sigmoid', { resetAfter: false, returnSequences: true }), dense(1, 'sigmoid')],
    parameterCount: 260, outputShape: [6, 1],
  },
  // Bidirectional cases. Seeds: the first of 0x5eed000c + 0x100·k (k = 0, 1, ...; last hex digit = case
  // number) whose data give every discrimination diff (bidi-order, bidi-dir, fwd-dir) >= 1e-2 and a relu
  // margin >= 1e-3 (ten times the finite-difference step).
  {
    name: 'bidi_lstm_concat_seq', seed: 0x5eed000c, inputShape: [5, 3], loss: 'mse',
    layers: [
      bidi(lstm(4, 'tanh', 'sigmoid', { returnSequences: true, goBackwards: false }), 'concat'),
      dense(2, 'linear'),
    ],
    parameterCount: 274, outputShape: [5, 2],
  },
  {
    name: 'bidi_lstm_sum_last', seed: 0x5eed010d, inputShape: [6, 4], loss: 'sparse_categorical_crossentropy',
    layers: [
      bidi(lstm(5, 'tanh', 'sigmoid', { returnSequences: false, goBackwards: false }), 'sum'),
      dense(3, 'softmax'),
    ],
    parameterCount: 418, outputShape: [3],
  },
  {
    name: 'bidi_gru_mul_seq', seed: 0x5eed010e, inputShape: [4, 3], loss: 'binary_crossentropy',
    layers: [
      bidi(gru(6, 'tanh', 'sigmoid', { resetAfter: false, returnSequences: true, goBackwards: false }), 'mul'),
      dense(1, 'sigmoid'),
    ],
    parameterCount: 367, outputShape: [4, 1],
  },
  {
    name: 'bidi_simple_rnn_ave_last_stack', seed: 0x5eed000f, inputShape: [7, 2], loss: 'mse',
    layers: [
      bidi(rnn(3, 'tanh', { returnSequences: true, goBackwards: false }), 'concat'),
      bidi(rnn(4, 'relu', { returnSequences: false, goBackwards: false }), 'ave'),
      dense(2, 'linear'),
    ],
    parameterCount: 134, outputShape: [2],
  },
  // Embedding cases: the input is int32 token ids drawn uniformly from a small vocabulary, so ids repeat
  // within a sample and the embedding gradient rows accumulate. Seeds: the first of 0x5eed0010 + 0x100·k
  // (last two hex digits = case number) whose data put a repeated id in every sample and give every
  // discrimination diff (emb-accum, bidi-dir) >= 1e-2.
  {
    name: 'embedding_lstm_dense', seed: 0x5eed0010, inputShape: [8], loss: 'binary_crossentropy',
    layers: [
      embedding(6, 5),
      lstm(4, 'tanh', 'sigmoid', { returnSequences: false, goBackwards: false }),
      dense(1, 'sigmoid'),
    ],
    parameterCount: 195, outputShape: [1],
  },
  {
    name: 'embedding_bidi_gru_pool', seed: 0x5eed2b11, inputShape: [6], loss: 'sparse_categorical_crossentropy',
    layers: [
      embedding(9, 4),
      bidi(gru(3, 'tanh', 'sigmoid', { resetAfter: false, returnSequences: true, goBackwards: false }), 'concat'),
      globalAvgPool1d(),
      dense(3, 'softmax'),
    ],
    parameterCount: 201, outputShape: [3],
  },
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
function fail(msg) {
  throw new Error(`make-fixtures: ${msg}`);
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const prod = (shape) => shape.reduce((a, b) => a * b, 1);
const uniformF32 = (rng, n, r) => Float32Array.from({ length: n }, () => -r + 2 * r * rng());
const sameShape = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);

// Keras 3 auto-names (keras/src/utils/naming.py: uniquify() keeps one counter per snake_case class
// name; the first object is `lstm`, the next `lstm_1`, ...). Layers given an explicit name do not
// consume a number. For Bidirectional (keras/src/layers/rnn/bidirectional.py) the Python model is
// `Bidirectional(LSTM(...))`: the wrapped LSTM is created first and takes the next `lstm` name, then the
// wrapper takes the next `bidirectional` name. The wrapper builds its two copies with explicit names,
// "forward_" + layer.name and "backward_" + layer.name. The snake_case name of GlobalAveragePooling1D is
// `global_average_pooling1d` (keras/src/utils/naming.py to_snake_case: no "_" before "1D").
// Returns per layer { name } (+ { forward, backward } for Bidirectional).
const KERAS_BASE_NAMES = {
  SimpleRNN: 'simple_rnn', LSTM: 'lstm', GRU: 'gru', Dense: 'dense', Bidirectional: 'bidirectional',
  Embedding: 'embedding', GlobalAveragePooling1D: 'global_average_pooling1d',
};
function kerasNaming(layers) {
  const counters = {};
  const autoName = (type) => {
    const base = KERAS_BASE_NAMES[type] ?? fail(`no Keras auto-name for ${type}`);
    const n = counters[base] ?? 0;
    counters[base] = n + 1;
    return n === 0 ? base : `${base}_${n}`;
  };
  return layers.map((l) => {
    if (!isBidi(l)) return { name: autoName(l.type) };
    const inner = autoName(l.layer.type);
    return { name: autoName(l.type), forward: `forward_${inner}`, backward: `backward_${inner}` };
  });
}

function kerasNames(layers) {
  return kerasNaming(layers).map((n) => n.name);
}

// Weight specs in Keras get_weights() order.
function weightSpecs(c) {
  const specs = [];
  const naming = kerasNaming(c.layers);
  let inDim = c.inputShape[c.inputShape.length - 1];
  c.layers.forEach((l, li) => {
    if (isEmbedding(l)) {
      if (li !== 0 || c.inputShape.length !== 1) fail(`${c.name}: Embedding must be the first layer, on (T,) token ids`);
      specs.push({ name: `${naming[li].name}/embeddings`, shape: [l.inputDim, l.outputDim], layer: li, role: 'embeddings' });
      inDim = l.outputDim;
      return;
    }
    if (isPool(l)) return;   // no weights; the feature size is unchanged
    if (isBidi(l)) {
      // Bidirectional: all weights of the forward copy, then all of the backward copy (Keras 3
      // get_weights order: the wrapper tracks forward_layer before backward_layer).
      const G = GATES[l.layer.type], U = l.layer.units;
      for (const dir of ['forward', 'backward']) {
        const nm = `${naming[li].name}/${naming[li][dir]}`;
        specs.push({ name: `${nm}/kernel`, shape: [inDim, G * U], layer: li, dir, role: 'kernel' });
        specs.push({ name: `${nm}/recurrent_kernel`, shape: [U, G * U], layer: li, dir, role: 'recurrent_kernel' });
        if (l.layer.useBias) {
          const shape = l.layer.type === 'GRU' && l.layer.resetAfter ? [2, G * U] : [G * U];
          specs.push({ name: `${nm}/bias`, shape, layer: li, dir, role: 'bias' });
        }
      }
      inDim = outDim(l);
      return;
    }
    const nm = naming[li].name;
    const G = GATES[l.type] ?? 1;   // gate blocks side by side along the last axis (Keras order)
    specs.push({ name: `${nm}/kernel`, shape: [inDim, G * l.units], layer: li, role: 'kernel' });
    if (isRecurrent(l)) specs.push({ name: `${nm}/recurrent_kernel`, shape: [l.units, G * l.units], layer: li, role: 'recurrent_kernel' });
    if (l.useBias) {
      // Keras 3 GRU(reset_after=True): bias (2, 3u), row 0 input bias, row 1 recurrent bias.
      const shape = l.type === 'GRU' && l.resetAfter ? [2, G * l.units] : [G * l.units];
      specs.push({ name: `${nm}/bias`, shape, layer: li, role: 'bias' });
    }
    inDim = l.units;
  });
  return specs;
}

function numClasses(c) {
  return c.layers[c.layers.length - 1].units;
}

// Target shape (excluding batch) for a case.
function targetShape(c) {
  if (c.loss === 'sparse_categorical_crossentropy') return c.outputShape.slice(0, -1);
  return c.outputShape.slice();
}

// ---------------------------------------------------------------------------------------------
// tfjs side
// ---------------------------------------------------------------------------------------------
function buildModel(c) {
  const model = tf.sequential();
  // Token-id models: an explicit int32 input (Keras 3: keras.Input(shape=(T,), dtype="int32")). Giving the
  // Embedding itself dtype int32 would also make its embeddings matrix int32 in tfjs.
  const tokenInput = isEmbedding(c.layers[0]);
  if (tokenInput) model.add(tf.layers.inputLayer({ inputShape: c.inputShape, dtype: 'int32', sparse: false }));
  c.layers.forEach((l, i) => {
    const inputShape = i === 0 && !tokenInput ? c.inputShape : null;
    if (isBidi(l)) {
      // tfjs Bidirectional: the forward copy is a clone of `layer`, the backward copy a clone with
      // goBackwards flipped (tfjs-layers dist/layers/wrappers.js). All inner settings are explicit.
      const args = { layer: makeTfLayer(c, l.layer, null), mergeMode: l.mergeMode, trainable: true };
      if (inputShape) args.inputShape = inputShape;
      model.add(tf.layers.bidirectional(args));
      return;
    }
    model.add(makeTfLayer(c, l, inputShape));
  });
  return model;
}

// One tfjs layer with every setting explicit (inputShape only for the first layer of the model).
function makeTfLayer(c, l, inputShape) {
  if (l.type === 'Embedding') {
    return tf.layers.embedding({
      inputDim: l.inputDim,
      outputDim: l.outputDim,
      inputLength: c.inputShape[0],   // Keras 3 deprecates input_length; tfjs uses it for the output shape only
      embeddingsInitializer: 'zeros',
      embeddingsRegularizer: null,
      activityRegularizer: null,
      embeddingsConstraint: null,
      maskZero: l.maskZero,
      trainable: true,
    });
  }
  if (l.type === 'GlobalAveragePooling1D') {
    // tfjs 4.22 GlobalAveragePooling1D has no dataFormat/keepdims options: always channels_last, no keepdims.
    if (inputShape) fail(`${c.name}: GlobalAveragePooling1D cannot be the first layer here`);
    return tf.layers.globalAveragePooling1d({ trainable: true });
  }
  const common = {
    units: l.units,
    activation: l.activation,
    useBias: l.useBias,
    kernelInitializer: 'zeros',
    biasInitializer: 'zeros',
    trainable: true,
  };
  if (inputShape) common.inputShape = inputShape;
  if (l.type === 'SimpleRNN') {
    return tf.layers.simpleRNN({
      ...common,
      recurrentInitializer: 'zeros',
      returnSequences: l.returnSequences,
      goBackwards: l.goBackwards,
      returnState: false,
      stateful: false,
      unroll: false,
      dropout: 0,
      recurrentDropout: 0,
    });
  } else if (l.type === 'LSTM' || l.type === 'GRU') {
    const args = {
      ...common,
      recurrentActivation: l.recurrentActivation,
      recurrentInitializer: 'zeros',
      returnSequences: l.returnSequences,
      goBackwards: l.goBackwards,
      returnState: false,
      stateful: false,
      unroll: false,
      dropout: 0,
      recurrentDropout: 0,
      implementation: 2,   // Keras 3 default; tfjs always runs its implementation-2 code path anyway
    };
    if (l.type === 'LSTM') {
      return tf.layers.lstm({ ...args, unitForgetBias: false });   // irrelevant: weights are set
    } else {
      if (l.resetAfter !== false) fail(`${c.name}: tfjs GRU supports only resetAfter=false`);
      return tf.layers.gru({ ...args, resetAfter: false });
    }
  } else if (l.type === 'Dense') {
    return tf.layers.dense(common);
  }
  return fail(`${c.name}: no tfjs layer for ${l.type}`);
}

// The tfjs Bidirectional wrappers hold the expected forward and backward copies: the forward copy is
// the wrapped layer as given, the backward copy differs only in goBackwards (flipped).
function checkTfBidirectional(c, model) {
  const tfBidis = model.layers.filter((x) => x.getClassName() === 'Bidirectional');
  const specBidis = c.layers.filter(isBidi);
  if (tfBidis.length !== specBidis.length) fail(`${c.name}: ${tfBidis.length} tfjs Bidirectional layers, expected ${specBidis.length}`);
  specBidis.forEach((l, k) => {
    const t = tfBidis[k];
    if (t.mergeMode !== l.mergeMode) fail(`${c.name}: tfjs mergeMode ${t.mergeMode}, expected ${l.mergeMode}`);
    if (t.returnSequences !== l.layer.returnSequences || t.returnState !== false) fail(`${c.name}: tfjs Bidirectional returnSequences/returnState`);
    const fwd = t.forwardLayer.getConfig(), bwd = t.backwardLayer.getConfig();
    if (fwd.goBackwards !== l.layer.goBackwards || bwd.goBackwards !== !l.layer.goBackwards) {
      fail(`${c.name}: tfjs copies run goBackwards ${fwd.goBackwards}/${bwd.goBackwards}, expected ${l.layer.goBackwards}/${!l.layer.goBackwards}`);
    }
    const strip = (cfg) => JSON.stringify({ ...cfg, name: null, goBackwards: null });
    if (strip(fwd) !== strip(bwd)) fail(`${c.name}: tfjs forward and backward copies differ in more than goBackwards`);
    const want = { units: l.layer.units, activation: l.layer.activation, useBias: l.layer.useBias, returnSequences: l.layer.returnSequences, returnState: false, stateful: false, unroll: false, dropout: 0, recurrentDropout: 0 };
    if (l.layer.type !== 'SimpleRNN') want.recurrentActivation = l.layer.recurrentActivation;
    if (l.layer.type === 'GRU') want.resetAfter = false;
    for (const [key, v] of Object.entries(want)) {
      if (fwd[key] !== v) fail(`${c.name}: tfjs forward copy has ${key}=${fwd[key]}, expected ${v}`);
    }
    if (t.forwardLayer.getClassName() !== l.layer.type || t.backwardLayer.getClassName() !== l.layer.type) fail(`${c.name}: tfjs Bidirectional copies are not ${l.layer.type}`);
  });
}

// Token-id models: the tfjs input is int32 and the Embedding has the expected settings; the pooling
// layers are GlobalAveragePooling1D.
function checkTfEmbedding(c, model) {
  const tfEmb = model.layers.filter((x) => x.getClassName() === 'Embedding');
  const specEmb = c.layers.filter(isEmbedding);
  if (tfEmb.length !== specEmb.length) fail(`${c.name}: ${tfEmb.length} tfjs Embedding layers, expected ${specEmb.length}`);
  specEmb.forEach((l, k) => {
    const cfg = tfEmb[k].getConfig();
    if (cfg.inputDim !== l.inputDim || cfg.outputDim !== l.outputDim || cfg.maskZero !== false || cfg.inputLength !== c.inputShape[0]) {
      fail(`${c.name}: tfjs Embedding config ${JSON.stringify(cfg)}`);
    }
    if (model.inputs[0].dtype !== 'int32') fail(`${c.name}: tfjs model input dtype ${model.inputs[0].dtype}, expected int32`);
    if (tfEmb[k].trainableWeights.length !== 1 || tfEmb[k].trainableWeights[0].dtype !== 'float32') fail(`${c.name}: tfjs embeddings weight`);
  });
  const nPool = model.layers.filter((x) => x.getClassName() === 'GlobalAveragePooling1D').length;
  if (nPool !== c.layers.filter(isPool).length) fail(`${c.name}: ${nPool} tfjs GlobalAveragePooling1D layers`);
}

function tfLoss(kind, yhat, y, classes) {
  return tf.tidy(() => {
    if (kind === 'mse') return tf.mean(tf.square(tf.sub(yhat, y)));
    if (kind === 'binary_crossentropy') {
      const p = tf.clipByValue(yhat, EPS, 1 - EPS);
      const ll = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
      return tf.neg(tf.mean(ll));
    }
    if (kind === 'sparse_categorical_crossentropy') {
      const p = tf.clipByValue(yhat, EPS, 1 - EPS);
      const oh = tf.reshape(tf.oneHot(tf.reshape(y, [-1]), classes), yhat.shape);
      return tf.neg(tf.mean(tf.sum(tf.mul(oh, tf.log(p)), -1)));
    }
    fail(`unknown loss ${kind}`);
  });
}

function runTfjs(c, specs, weights, run) {
  const model = buildModel(c);
  try {
    const count = model.countParams();
    if (count !== c.parameterCount) fail(`${c.name}: countParams() = ${count}, expected ${c.parameterCount}`);
    const outShape = model.outputs[0].shape;
    if (!sameShape(outShape, [null, ...c.outputShape])) {
      fail(`${c.name}: model output shape ${JSON.stringify(outShape)}, expected ${JSON.stringify([null, ...c.outputShape])}`);
    }
    // Weight order / shape check against Keras get_weights() order.
    const tw = model.trainableWeights;
    if (tw.length !== specs.length || model.getWeights().length !== specs.length) {
      fail(`${c.name}: tfjs has ${tw.length} trainable weights, expected ${specs.length}`);
    }
    tw.forEach((w, i) => {
      if (!sameShape(w.shape, specs[i].shape)) fail(`${c.name}: weight ${i} (${w.name}) shape ${w.shape} vs ${specs[i].shape}`);
      if (!w.originalName.endsWith(`/${specs[i].role}`)) fail(`${c.name}: weight ${i} is ${w.originalName}, expected role ${specs[i].role}`);
      // Bidirectional: forward-copy weights first, then backward-copy weights.
      if (specs[i].dir && !w.originalName.split('/').some((part) => part.startsWith(`${specs[i].dir}_`))) {
        fail(`${c.name}: weight ${i} is ${w.originalName}, expected a ${specs[i].dir}-copy weight`);
      }
    });
    checkTfBidirectional(c, model);
    checkTfEmbedding(c, model);
    model.setWeights(weights.map((w, i) => tf.tensor(w, specs[i].shape, 'float32')));
    // Verify that setWeights really took the values.
    model.getWeights().forEach((t, i) => {
      const got = t.dataSync();
      for (let k = 0; k < got.length; k++) if (got[k] !== weights[i][k]) fail(`${c.name}: setWeights mismatch in ${specs[i].name}`);
    });

    const xT = tf.tensor(run.x, [run.batch, ...c.inputShape], isEmbedding(c.layers[0]) ? 'int32' : 'float32');
    const yT = c.loss === 'sparse_categorical_crossentropy'
      ? tf.tensor(run.y, [run.batch, ...targetShape(c)], 'int32')
      : tf.tensor(run.y, [run.batch, ...targetShape(c)], 'float32');

    const predT = model.predict(xT);
    if (!sameShape(predT.shape, [run.batch, ...c.outputShape])) fail(`${c.name}: predict shape ${predT.shape}`);
    const output = Float32Array.from(predT.dataSync());

    const vars = tw.map((w) => w.read());
    let applied = null;
    const { value, grads } = tf.variableGrads(() => {
      const yhat = model.apply(xT);
      applied = tf.keep(yhat.clone());
      return tfLoss(c.loss, yhat, yT, numClasses(c));
    }, vars);
    const appliedData = applied.dataSync();
    for (let k = 0; k < output.length; k++) {
      if (appliedData[k] !== output[k]) fail(`${c.name}: model.apply and model.predict disagree at ${k}`);
    }
    const loss = value.dataSync()[0];
    const gradients = vars.map((v, i) => {
      const g = grads[v.name];
      if (!g) fail(`${c.name}: no gradient for ${specs[i].name}`);
      if (!sameShape(g.shape, specs[i].shape)) fail(`${c.name}: gradient shape mismatch for ${specs[i].name}`);
      return Float32Array.from(g.dataSync());
    });
    tf.dispose([xT, yT, predT, value, applied, ...Object.values(grads)]);
    return { output, loss, gradients };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Independent float64 reference (plain JavaScript, no tfjs)
// ---------------------------------------------------------------------------------------------
const ACT = {
  linear: (z) => z,
  tanh: (z) => Math.tanh(z),
  relu: (z) => (z > 0 ? z : 0),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
};

// While non-null, every relu pre-activation of the reference pushes its side of the kink here, so the
// finite-difference loop can prove that no perturbed evaluation crossed a kink.
let reluSides = null;
const noteRelu = (z) => { if (reluSides) reluSides.push(z > 0); };
const sameSides = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// Pre-activation vector pre (Float64Array) -> activated copy; also returns the smallest |pre| that
// went through a relu (distance to the kink), Infinity if the activation is not relu. Exact zeros
// are skipped: they only arise structurally (e.g. an LSTM carry that is still exactly 0 because every
// relu(z_c) so far was 0), stay exactly 0 under any small weight perturbation, and carry a zero
// derivative whichever one-sided relu slope is used.
function activate(name, pre) {
  const act = ACT[name];
  if (!act) fail(`reference has no activation ${name}`);
  const out = new Float64Array(pre.length);
  let margin = Infinity;
  for (let j = 0; j < pre.length; j++) {
    out[j] = act(pre[j]);
    if (name === 'relu') {
      noteRelu(pre[j]);
      if (pre[j] !== 0) margin = Math.min(margin, Math.abs(pre[j]));
    }
  }
  return { out, margin };
}

// One LSTM step (Keras 3, implementation 2). K (F, 4U), R (U, 4U), b (4U) or null; gate blocks i, f, c, o.
//   z = x·K + h·R + b;  i = σ(z_i), f = σ(z_f), o = σ(z_o);  c' = f⊙c + i⊙act(z_c);  h' = o⊙act(c')
// σ = recurrent_activation, act = activation. Updates state {h, c} (fresh arrays); returns relu margin.
function lstmStep(l, K, R, b, x, state) {
  const U = l.units, F = x.length, G = 4 * U;
  const z = new Float64Array(G);
  for (let j = 0; j < G; j++) {
    let s = b ? b[j] : 0;
    for (let i = 0; i < F; i++) s += x[i] * K[i * G + j];
    for (let k = 0; k < U; k++) s += state.h[k] * R[k * G + j];
    z[j] = s;
  }
  const ig = activate(l.recurrentActivation, z.subarray(0, U));
  const fg = activate(l.recurrentActivation, z.subarray(U, 2 * U));
  const cg = activate(l.activation, z.subarray(2 * U, 3 * U));
  const og = activate(l.recurrentActivation, z.subarray(3 * U, 4 * U));
  const c = new Float64Array(U);
  for (let j = 0; j < U; j++) c[j] = fg.out[j] * state.c[j] + ig.out[j] * cg.out[j];
  const ac = activate(l.activation, c);
  const h = new Float64Array(U);
  for (let j = 0; j < U; j++) h[j] = og.out[j] * ac.out[j];
  state.h = h;
  state.c = c;
  return Math.min(ig.margin, fg.margin, cg.margin, og.margin, ac.margin);
}

// One GRU step (Keras 3). K (F, 3U), R (U, 3U); gate blocks z, r, h.
//   reset_after=True,  b (2, 3U) = [b_in; b_rec]:
//     xz|xr|xh = x·K + b_in;  hz|hr|hh = h·R + b_rec
//     z = σ(xz + hz), r = σ(xr + hr), cand = act(xh + r⊙hh)
//   reset_after=False, b (3U):
//     xz|xr|xh = x·K + b;  z = σ(xz + h·R_z), r = σ(xr + h·R_r), cand = act(xh + (r⊙h)·R_h)
//   h' = z⊙h + (1−z)⊙cand
function gruStep(l, K, R, b, x, state) {
  const U = l.units, F = x.length, G = 3 * U;
  const h = state.h;
  const bIn = b ? b.subarray(0, G) : null;
  const bRec = b && l.resetAfter ? b.subarray(G, 2 * G) : null;
  const mx = new Float64Array(G);
  for (let j = 0; j < G; j++) {
    let s = bIn ? bIn[j] : 0;
    for (let i = 0; i < F; i++) s += x[i] * K[i * G + j];
    mx[j] = s;
  }
  // Recurrent projections of the z and r blocks (and of the h block when reset_after=True).
  const inner = new Float64Array(G);
  const nInner = l.resetAfter ? G : 2 * U;
  for (let j = 0; j < nInner; j++) {
    let s = bRec ? bRec[j] : 0;
    for (let k = 0; k < U; k++) s += h[k] * R[k * G + j];
    inner[j] = s;
  }
  const zPre = new Float64Array(U), rPre = new Float64Array(U);
  for (let j = 0; j < U; j++) { zPre[j] = mx[j] + inner[j]; rPre[j] = mx[U + j] + inner[U + j]; }
  const zg = activate(l.recurrentActivation, zPre);
  const rg = activate(l.recurrentActivation, rPre);
  const candPre = new Float64Array(U);
  for (let j = 0; j < U; j++) {
    let rec;
    if (l.resetAfter) {
      rec = rg.out[j] * inner[2 * U + j];
    } else {
      rec = 0;
      for (let k = 0; k < U; k++) rec += rg.out[k] * h[k] * R[k * G + 2 * U + j];
    }
    candPre[j] = mx[2 * U + j] + rec;
  }
  const cand = activate(l.activation, candPre);
  const nh = new Float64Array(U);
  for (let j = 0; j < U; j++) nh[j] = zg.out[j] * h[j] + (1 - zg.out[j]) * cand.out[j];
  state.h = nh;
  return Math.min(zg.margin, rg.margin, cand.margin);
}

// Runs one recurrent layer (weights K, R, b) over a (T, F) sequence from zero states, first-to-last or
// (backwards) last-to-first. Returns the hidden states in processed order and the relu margin.
function runRecurrent(l, K, R, b, cur, T, F, backwards) {
  const U = l.units;
  let margin = Infinity;
  const seq = [];
  if (l.type === 'LSTM' || l.type === 'GRU') {
    const step = l.type === 'LSTM' ? lstmStep : gruStep;
    const state = { h: new Float64Array(U), c: new Float64Array(U) };
    for (let s = 0; s < T; s++) {
      const t = backwards ? T - 1 - s : s;
      margin = Math.min(margin, step(l, K, R, b, cur.subarray(t * F, (t + 1) * F), state));
      seq.push(state.h);
    }
  } else {
    const act = ACT[l.activation];
    let h = new Float64Array(U);
    for (let s = 0; s < T; s++) {
      const t = backwards ? T - 1 - s : s;
      const nh = new Float64Array(U);
      for (let j = 0; j < U; j++) {
        let z = b ? b[j] : 0;
        for (let i = 0; i < F; i++) z += cur[t * F + i] * K[i * U + j];
        for (let k = 0; k < U; k++) z += h[k] * R[k * U + j];
        if (l.activation === 'relu') { margin = Math.min(margin, Math.abs(z)); noteRelu(z); }
        nh[j] = act(z);
      }
      h = nh;
      seq.push(h);
    }
  }
  return { seq, margin };
}

const flatten = (seq, U) => {
  const out = new Float64Array(seq.length * U);
  seq.forEach((hs, s) => out.set(hs, s * U));
  return out;
};

// Forward pass of one sample. x: Float64Array (T*F or F). Returns {data, shape, reluMargin}.
// reversedSeqOutput=false gives the Keras 3 order (processed order) for go_backwards sequences;
// true gives the *other* order and is only used to prove the check discriminates; likewise
// ignoreGoBackwards=true runs every (unwrapped) recurrent layer first-to-last.
// Bidirectional (Keras 3 keras/src/layers/rnn/bidirectional.py): y = forward copy(x),
// y_rev = backward copy(x) (go_backwards=True); with return_sequences y_rev is flipped back to time
// order; then concat [y, y_rev] / y + y_rev / y * y_rev / (y + y_rev) / 2. The options
// bidiNoFlip (y_rev left in processed order) and bidiSameDirection (backward copy runs in the same
// direction as the forward copy) give the non-Keras variants, only to prove the checks discriminate.
// Embedding (Keras 3 ops.take(embeddings, ids, axis=0)): row ids[t] of the (V, D) matrix for every t.
// opts.embedDelta = { pos, j, h } adds h to element j of the looked-up vector at position pos only (used
// to split the embedding gradient into per-position contributions). GlobalAveragePooling1D: mean over t.
function refForwardSample(c, specs, W, x, opts = {}) {
  let cur = Float64Array.from(x);
  let shape = c.inputShape.slice();
  let reluMargin = Infinity;
  let wi = 0;
  for (const l of c.layers) {
    const F = shape[shape.length - 1];
    if (isEmbedding(l)) {
      const E = W[wi++], T = shape[0], D = l.outputDim;
      const out = new Float64Array(T * D);
      for (let t = 0; t < T; t++) {
        const id = cur[t];
        if (!Number.isInteger(id) || id < 0 || id >= l.inputDim) fail(`${c.name}: token id ${id} outside [0, ${l.inputDim})`);
        for (let j = 0; j < D; j++) out[t * D + j] = E[id * D + j];
      }
      if (opts.embedDelta) out[opts.embedDelta.pos * D + opts.embedDelta.j] += opts.embedDelta.h;
      cur = out;
      shape = [T, D];
      continue;
    }
    if (isPool(l)) {
      if (shape.length !== 2) fail(`${c.name}: GlobalAveragePooling1D needs a (T, F) input`);
      const T = shape[0];
      const out = new Float64Array(F);
      for (let j = 0; j < F; j++) {
        let s = 0;
        for (let t = 0; t < T; t++) s += cur[t * F + j];
        out[j] = s / T;
      }
      cur = out;
      shape = [F];
      continue;
    }
    if (isBidi(l)) {
      const inner = l.layer, U = inner.units, T = shape[0];
      const take = () => {
        const K = W[wi++], R = W[wi++], b = inner.useBias ? W[wi++] : null;
        return { K, R, b };
      };
      const fw = take(), bw = take();
      const fwBackwards = false;   // bidi() guarantees the wrapped layer has go_backwards=False
      const f = runRecurrent(inner, fw.K, fw.R, fw.b, cur, T, F, fwBackwards);
      const bwBackwards = opts.bidiSameDirection ? fwBackwards : true;
      const r = runRecurrent(backwardCopy(inner), bw.K, bw.R, bw.b, cur, T, F, bwBackwards);
      reluMargin = Math.min(reluMargin, f.margin, r.margin);
      let ys, yr;
      if (inner.returnSequences) {
        ys = f.seq;
        yr = opts.bidiNoFlip ? r.seq : r.seq.slice().reverse();
      } else {
        ys = [f.seq[T - 1]];
        yr = [r.seq[T - 1]];
      }
      const D = outDim(l);
      const out = new Float64Array(ys.length * D);
      ys.forEach((yf, s) => {
        const yb = yr[s];
        for (let j = 0; j < U; j++) {
          const o = s * D;
          switch (l.mergeMode) {
            case 'concat': out[o + j] = yf[j]; out[o + U + j] = yb[j]; break;
            case 'sum': out[o + j] = yf[j] + yb[j]; break;
            case 'mul': out[o + j] = yf[j] * yb[j]; break;
            case 'ave': out[o + j] = (yf[j] + yb[j]) / 2; break;
            default: fail(`merge mode ${l.mergeMode}`);
          }
        }
      });
      cur = out;
      shape = inner.returnSequences ? [T, D] : [D];
      continue;
    }
    const K = W[wi++];
    const R = isRecurrent(l) ? W[wi++] : null;
    const b = l.useBias ? W[wi++] : null;
    const U = l.units;
    if (isRecurrent(l)) {
      const T = shape[0];
      const backwards = opts.ignoreGoBackwards ? false : l.goBackwards;
      const { seq, margin } = runRecurrent(l, K, R, b, cur, T, F, backwards);
      reluMargin = Math.min(reluMargin, margin);
      if (l.returnSequences) {
        if (opts.reversedSeqOutput && l.goBackwards) seq.reverse();
        cur = flatten(seq, U);
        shape = [T, U];
      } else {
        cur = seq[T - 1];
        shape = [U];
      }
    } else {
      const rows = cur.length / F;
      const out = new Float64Array(rows * U);
      for (let r = 0; r < rows; r++) {
        const z = new Float64Array(U);
        for (let j = 0; j < U; j++) {
          let s = b ? b[j] : 0;
          for (let i = 0; i < F; i++) s += cur[r * F + i] * K[i * U + j];
          z[j] = s;
          if (l.activation === 'relu') { reluMargin = Math.min(reluMargin, Math.abs(s)); noteRelu(s); }
        }
        if (l.activation === 'softmax') {
          const m = Math.max(...z);
          let sum = 0;
          for (let j = 0; j < U; j++) { z[j] = Math.exp(z[j] - m); sum += z[j]; }
          for (let j = 0; j < U; j++) out[r * U + j] = z[j] / sum;
        } else {
          const act = ACT[l.activation];
          for (let j = 0; j < U; j++) out[r * U + j] = act(z[j]);
        }
      }
      cur = out;
      shape = [...shape.slice(0, -1), U];
    }
  }
  return { data: cur, shape, reluMargin };
}

function refForward(c, specs, W, run, opts) {
  const inSize = prod(c.inputShape);
  const outSize = prod(c.outputShape);
  const out = new Float64Array(run.batch * outSize);
  let reluMargin = Infinity;
  for (let n = 0; n < run.batch; n++) {
    // opts.embedDelta applies to sample embedDelta.n only.
    const o = opts?.embedDelta && opts.embedDelta.n !== n ? { ...opts, embedDelta: null } : opts;
    const r = refForwardSample(c, specs, W, run.x.subarray(n * inSize, (n + 1) * inSize), o);
    if (!sameShape(r.shape, c.outputShape)) fail(`${c.name}: reference output shape ${r.shape}`);
    out.set(r.data, n * outSize);
    reluMargin = Math.min(reluMargin, r.reluMargin);
  }
  return { out, reluMargin };
}

function refLoss(c, yhat, y) {
  const clip = (p) => Math.min(Math.max(p, EPS), 1 - EPS);
  let s = 0;
  if (c.loss === 'mse') {
    for (let i = 0; i < yhat.length; i++) s += (yhat[i] - y[i]) ** 2;
    return s / yhat.length;
  }
  if (c.loss === 'binary_crossentropy') {
    for (let i = 0; i < yhat.length; i++) {
      const p = clip(yhat[i]);
      s += -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
    }
    return s / yhat.length;
  }
  if (c.loss === 'sparse_categorical_crossentropy') {
    const C = numClasses(c);
    for (let r = 0; r < y.length; r++) s += -Math.log(clip(yhat[r * C + y[r]]));
    return s / y.length;
  }
  fail(`unknown loss ${c.loss}`);
}

// Smallest distance of any probability to the clip bounds (must be > 0 so the clip is inactive).
function clipMargin(c, yhat) {
  if (c.loss === 'mse') return Infinity;
  let m = Infinity;
  for (const p of yhat) m = Math.min(m, p - EPS, 1 - EPS - p);
  return m;
}

function checkCase(c, specs, weights, runs, results) {
  const W = weights.map((w) => Float64Array.from(w));
  const summary = { fwdAbs: 0, fwdRel: 0, lossRel: 0, gradAbs: 0, gradRel: 0, gradWorst: 0, reluMargin: Infinity, clipMargin: Infinity, orderDiff: null, dirDiff: null, bidiOrderDiff: null, bidiDirDiff: null, embAccumDiff: null, kinkCrossings: 0 };
  const problems = [];
  runs.forEach((run, ri) => {
    const res = results[ri];
    const runX = { batch: run.batch, x: Float64Array.from(run.x) };
    reluSides = [];
    const { out, reluMargin } = refForward(c, specs, W, runX);
    const baseSides = reluSides;
    reluSides = null;
    summary.reluMargin = Math.min(summary.reluMargin, reluMargin);
    summary.clipMargin = Math.min(summary.clipMargin, clipMargin(c, out), clipMargin(c, res.output));
    for (let k = 0; k < out.length; k++) {
      const d = Math.abs(res.output[k] - out[k]);
      summary.fwdAbs = Math.max(summary.fwdAbs, d);
      summary.fwdRel = Math.max(summary.fwdRel, d / Math.max(Math.abs(out[k]), 1e-12));
      if (d > FWD_ABS + FWD_REL * Math.abs(out[k])) problems.push(`batch ${run.batch}: output[${k}] tfjs ${res.output[k]} vs ref ${out[k]}`);
    }
    const L = refLoss(c, out, run.y);
    const lrel = Math.abs(res.loss - L) / Math.abs(L);
    summary.lossRel = Math.max(summary.lossRel, lrel);
    if (lrel > FWD_REL) problems.push(`batch ${run.batch}: loss tfjs ${res.loss} vs ref ${L}`);

    // Does the check discriminate between the two possible go_backwards sequence orders?
    if (c.layers.some((l) => isRecurrent(l) && l.goBackwards && l.returnSequences)) {
      const alt = refForward(c, specs, W, runX, { reversedSeqOutput: true }).out;
      let d = 0;
      for (let k = 0; k < alt.length; k++) d = Math.max(d, Math.abs(alt[k] - res.output[k]));
      summary.orderDiff = summary.orderDiff === null ? d : Math.min(summary.orderDiff, d);
    }
    // ... and between go_backwards honoured and ignored (LSTM / GRU cases, and Bidirectional around a go_backwards layer).
    if (c.layers.some((l) => (l.type === 'LSTM' || l.type === 'GRU') && l.goBackwards)) {
      const alt = refForward(c, specs, W, runX, { ignoreGoBackwards: true }).out;
      let d = 0;
      for (let k = 0; k < alt.length; k++) d = Math.max(d, Math.abs(alt[k] - res.output[k]));
      summary.dirDiff = summary.dirDiff === null ? d : Math.min(summary.dirDiff, d);
    }

    // Bidirectional: does the check discriminate against y_rev left in processed (reversed) order
    // (return_sequences only), and against a backward copy that runs in the forward copy's direction?
    const maxDiff = (alt) => {
      let d = 0;
      for (let k = 0; k < alt.length; k++) d = Math.max(d, Math.abs(alt[k] - res.output[k]));
      return d;
    };
    const minNull = (a, b) => (a === null ? b : Math.min(a, b));
    // A Bidirectional sequence merged by concat / sum / ave and fed straight into GlobalAveragePooling1D
    // gives the same output whichever order y_rev is in (the mean over time does not see the order), so
    // the order cannot be observed there; for such models, confirm that invariance instead.
    const seqBidis = c.layers.map((l, i) => i).filter((i) => isBidi(c.layers[i]) && c.layers[i].layer.returnSequences);
    const orderInvariant = (i) => c.layers[i].mergeMode !== 'mul' && isPool(c.layers[i + 1] ?? {});
    if (seqBidis.length) {
      const alt = refForward(c, specs, W, runX, { bidiNoFlip: true }).out;
      if (seqBidis.every(orderInvariant)) {
        let d = 0;   // float64 reference against float64 reference: only summation-order rounding
        for (let k = 0; k < alt.length; k++) d = Math.max(d, Math.abs(alt[k] - out[k]));
        if (!(d < 1e-12)) problems.push(`batch ${run.batch}: Bidirectional output should not depend on the y_rev order here, but differs by ${d}`);
      } else {
        summary.bidiOrderDiff = minNull(summary.bidiOrderDiff, maxDiff(alt));
      }
    }
    if (c.layers.some(isBidi)) {
      summary.bidiDirDiff = minNull(summary.bidiDirDiff, maxDiff(refForward(c, specs, W, runX, { bidiSameDirection: true }).out));
    }

    // Embedding: every sample must contain a repeated token id, so that gradient rows accumulate within
    // a sample. The embedding gradient is split into per-position contributions (central differences of
    // the reference loss with respect to the looked-up vector at one position). Their sum must equal the
    // tfjs gradient, and the tfjs gradient must be far from the two "overwrite" variants in which a
    // repeated id's row keeps only its first or only its last contribution (emb-accum). Rows of ids that
    // do not occur in the batch must be exactly 0.
    const embIndex = c.layers.findIndex(isEmbedding);
    if (embIndex >= 0) {
      const l = c.layers[embIndex], T = c.inputShape[0], D = l.outputDim;
      const wi = specs.findIndex((s) => s.layer === embIndex);
      for (let n = 0; n < run.batch; n++) {
        const ids = Array.from(run.x.subarray(n * T, (n + 1) * T));
        if (new Set(ids).size === ids.length) problems.push(`batch ${run.batch}: sample ${n} has no repeated token id`);
      }
      const sum = new Float64Array(l.inputDim * D), first = new Float64Array(l.inputDim * D), last = new Float64Array(l.inputDim * D);
      const seen = new Set();
      for (let n = 0; n < run.batch; n++) {
        for (let t = 0; t < T; t++) {
          const id = run.x[n * T + t];
          for (let j = 0; j < D; j++) {
            const at = (h) => refLoss(c, refForward(c, specs, W, runX, { embedDelta: { n, pos: t, j, h } }).out, run.y);
            const g = (at(FD_H) - at(-FD_H)) / (2 * FD_H);
            sum[id * D + j] += g;
            if (!seen.has(id)) first[id * D + j] = g;
            last[id * D + j] = g;
          }
          seen.add(id);
        }
      }
      const g = res.gradients[wi];
      for (let id = 0; id < l.inputDim; id++) {
        if (seen.has(id)) continue;
        for (let j = 0; j < D; j++) if (g[id * D + j] !== 0) problems.push(`batch ${run.batch}: ${specs[wi].name} row ${id} (token absent from the batch) has gradient ${g[id * D + j]}, expected exactly 0`);
      }
      let dFirst = 0, dLast = 0;
      for (let k = 0; k < g.length; k++) {
        const d = Math.abs(g[k] - sum[k]);
        if (d > GRAD_ABS + GRAD_REL * Math.abs(sum[k])) problems.push(`batch ${run.batch}: d loss/d ${specs[wi].name}[${k}] tfjs ${g[k]} vs sum of per-position contributions ${sum[k]}`);
        dFirst = Math.max(dFirst, Math.abs(g[k] - first[k]));
        dLast = Math.max(dLast, Math.abs(g[k] - last[k]));
      }
      summary.embAccumDiff = minNull(summary.embAccumDiff, Math.min(dFirst, dLast));
    }

    // Central finite differences of the float64 reference loss for every weight element.
    specs.forEach((s, wi) => {
      const w = W[wi];
      for (let k = 0; k < w.length; k++) {
        const orig = w[k];
        w[k] = orig + FD_H;
        reluSides = [];
        const lp = refLoss(c, refForward(c, specs, W, runX).out, run.y);
        if (!sameSides(reluSides, baseSides)) summary.kinkCrossings++;
        w[k] = orig - FD_H;
        reluSides = [];
        const lm = refLoss(c, refForward(c, specs, W, runX).out, run.y);
        if (!sameSides(reluSides, baseSides)) summary.kinkCrossings++;
        reluSides = null;
        w[k] = orig;
        const fd = (lp - lm) / (2 * FD_H);
        const g = res.gradients[wi][k];
        const d = Math.abs(g - fd);
        summary.gradAbs = Math.max(summary.gradAbs, d);
        if (Math.abs(fd) > 1e-6) summary.gradRel = Math.max(summary.gradRel, d / Math.abs(fd));
        const tol = GRAD_ABS + GRAD_REL * Math.abs(fd);
        summary.gradWorst = Math.max(summary.gradWorst, d / tol);
        if (d > tol) problems.push(`batch ${run.batch}: d loss/d ${s.name}[${k}] tfjs ${g} vs finite-difference ${fd}`);
      }
    });
  });
  if (!(summary.clipMargin > 0)) problems.push(`a probability reached the crossentropy clip (margin ${summary.clipMargin})`);
  if (summary.orderDiff !== null && !(summary.orderDiff > 1e-3)) problems.push(`go_backwards ordering check is not discriminating (diff ${summary.orderDiff})`);
  if (summary.dirDiff !== null && !(summary.dirDiff > 1e-3)) problems.push(`go_backwards direction check is not discriminating (diff ${summary.dirDiff})`);
  if (summary.bidiOrderDiff !== null && !(summary.bidiOrderDiff > 1e-3)) problems.push(`Bidirectional re-reversal check is not discriminating (diff ${summary.bidiOrderDiff})`);
  if (summary.bidiDirDiff !== null && !(summary.bidiDirDiff > 1e-3)) problems.push(`Bidirectional backward-direction check is not discriminating (diff ${summary.bidiDirDiff})`);
  if (summary.embAccumDiff !== null && !(summary.embAccumDiff > 1e-3)) problems.push(`Embedding gradient accumulation check is not discriminating (diff ${summary.embAccumDiff})`);
  if (summary.kinkCrossings > 0) problems.push(`${summary.kinkCrossings} finite-difference evaluations moved a relu pre-activation across the kink`);
  return { summary, problems };
}

// ---------------------------------------------------------------------------------------------
// Fixture generation
// ---------------------------------------------------------------------------------------------
function makeCaseData(c) {
  const specs = weightSpecs(c);
  const expectedCount = specs.reduce((a, s) => a + prod(s.shape), 0);
  if (expectedCount !== c.parameterCount) fail(`${c.name}: spec parameter count ${expectedCount} != ${c.parameterCount}`);
  const rng = mulberry32(c.seed);
  const weights = specs.map((s) => uniformF32(rng, prod(s.shape), WEIGHT_RANGE));
  const runs = BATCHES.map((batch) => {
    // Token-id models: ids ~ uniform on [0, vocabulary); otherwise inputs ~ U[-1, 1].
    const vocab = isEmbedding(c.layers[0]) ? c.layers[0].inputDim : 0;
    const x = vocab
      ? Int32Array.from({ length: batch * prod(c.inputShape) }, () => Math.floor(rng() * vocab))
      : uniformF32(rng, batch * prod(c.inputShape), INPUT_RANGE);
    const ny = batch * prod(targetShape(c));
    let y;
    if (c.loss === 'mse') y = uniformF32(rng, ny, INPUT_RANGE);
    else if (c.loss === 'binary_crossentropy') y = Float32Array.from({ length: ny }, () => (rng() < 0.5 ? 0 : 1));
    else y = Int32Array.from({ length: ny }, () => Math.floor(rng() * numClasses(c)));
    return { batch, x, y };
  });
  return { specs, weights, runs };
}

// Bidirectional entries mirror Keras 3 Bidirectional.get_config(): `layer` is the forward copy and
// `backward_layer` the backward copy, each under the name its weights are stored under.
function bidiJson(l, naming) {
  return {
    type: l.type,
    name: naming.name,
    merge_mode: l.mergeMode,
    layer: layerJson(l.layer, naming.forward),
    backward_layer: layerJson(backwardCopy(l.layer), naming.backward),
  };
}

function layerJson(l, name) {
  if (l.type === 'Embedding') return { type: l.type, name, input_dim: l.inputDim, output_dim: l.outputDim, mask_zero: l.maskZero };
  if (l.type === 'GlobalAveragePooling1D') return { type: l.type, name };
  const base = { type: l.type, name, units: l.units, activation: l.activation };
  if (l.type === 'Dense') return { ...base, use_bias: l.useBias };
  if (l.type === 'SimpleRNN') return { ...base, use_bias: l.useBias, return_sequences: l.returnSequences, go_backwards: l.goBackwards };
  const j = { ...base, recurrent_activation: l.recurrentActivation, use_bias: l.useBias, return_sequences: l.returnSequences, go_backwards: l.goBackwards };
  if (l.type === 'GRU') j.reset_after = l.resetAfter;
  return j;
}

// Inverse of layerJson (used for the fixtures written by the PyTorch oracle).
function layerFromJson(j) {
  const seq = { useBias: j.use_bias, returnSequences: j.return_sequences, goBackwards: j.go_backwards };
  switch (j.type) {
    case 'Dense': return dense(j.units, j.activation, { useBias: j.use_bias });
    case 'SimpleRNN': return rnn(j.units, j.activation, seq);
    case 'LSTM': return lstm(j.units, j.activation, j.recurrent_activation, seq);
    case 'GRU': return gru(j.units, j.activation, j.recurrent_activation, { ...seq, resetAfter: j.reset_after });
    case 'Embedding': return j.mask_zero === false ? embedding(j.input_dim, j.output_dim) : fail('mask_zero=True is not supported');
    case 'GlobalAveragePooling1D': return globalAvgPool1d();
    default: return fail(`unknown layer type ${j.type}`);
  }
}

// Model output shape (without batch) implied by the layer list.
function deriveOutputShape(inputShape, layers) {
  let shape = inputShape.slice();
  for (const l of layers) {
    if (isEmbedding(l)) shape = [...shape, l.outputDim];
    else if (isPool(l)) shape = shape.slice(1);
    else if (isBidi(l)) shape = l.layer.returnSequences ? [shape[0], outDim(l)] : [outDim(l)];
    else if (isRecurrent(l)) shape = l.returnSequences ? [shape[0], l.units] : [l.units];
    else shape = [...shape.slice(0, -1), l.units];
  }
  return shape;
}

// Cross-check one fixture written by the PyTorch oracle with the float64 reference (same checks as
// for the tfjs cases: forward, loss, every gradient element against central differences).
function crossCheckTorchFixture(name) {
  const file = path.join(TORCH_DIR, `${name}.json`);
  if (!fs.existsSync(file)) return { problems: [`missing ${path.relative(process.cwd(), file)} (run tests/oracles/torch/make-gru-fixtures.py)`] };
  const text = fs.readFileSync(file, 'utf8');
  const j = JSON.parse(text);
  const problems = [];
  if (formatJson(j) + '\n' !== text) problems.push('file is not in the canonical fixture formatting of this script');
  if (j.case !== name) problems.push(`case field is ${j.case}`);
  if (!/torch/.test(j.generator)) problems.push(`generator field is ${j.generator}`);
  const layers = j.layers.map(layerFromJson);
  const c = {
    name, inputShape: j.input_shape, loss: j.loss, layers, parameterCount: j.parameter_count,
    outputShape: deriveOutputShape(j.input_shape, layers),
  };
  const names = kerasNames(layers);
  j.layers.forEach((lj, i) => { if (lj.name !== names[i]) problems.push(`layer ${i} is named ${lj.name}, Keras auto-name is ${names[i]}`); });
  if (JSON.stringify(j.layers) !== JSON.stringify(layers.map((l, i) => layerJson(l, names[i])))) problems.push('layer descriptions do not round-trip');
  const specs = weightSpecs(c);
  if (specs.reduce((a, s) => a + prod(s.shape), 0) !== c.parameterCount) problems.push('parameter_count does not match the layer list');
  if (j.weights.length !== specs.length) return { c, problems: [...problems, `${j.weights.length} weights, expected ${specs.length}`] };
  specs.forEach((s, i) => {
    const w = j.weights[i];
    if (w.name !== s.name || !sameShape(w.shape, s.shape) || w.values.length !== prod(s.shape)) {
      problems.push(`weight ${i} is ${w.name} ${JSON.stringify(w.shape)}, expected ${s.name} ${JSON.stringify(s.shape)}`);
    }
  });
  const isF32 = (v) => typeof v === 'number' && Math.fround(v) === v;
  const allF32 = (a) => a.every(isF32);
  j.weights.forEach((w) => { if (!allF32(w.values)) problems.push(`${w.name}: not all values are float32`); });
  if (!sameShape(j.runs.map((r) => r.batch), BATCHES)) problems.push(`batches ${j.runs.map((r) => r.batch)}`);
  j.runs.forEach((r) => {
    if (r.x.length !== r.batch * prod(c.inputShape) || r.y.length !== r.batch * prod(targetShape(c)) || r.output.length !== r.batch * prod(c.outputShape)) {
      problems.push(`batch ${r.batch}: x/y/output sizes do not match the shapes`);
    }
    if (!allF32(r.x) || !allF32(r.y) || !allF32(r.output) || !isF32(r.loss) || !r.gradients.every((g) => allF32(g.values))) {
      problems.push(`batch ${r.batch}: not every number is a float32 value`);
    }
    r.gradients.forEach((g, i) => { if (g.name !== specs[i]?.name || g.values.length !== prod(specs[i].shape)) problems.push(`batch ${r.batch}: gradient ${i} is ${g.name}`); });
  });
  if (problems.length) return { c, problems };
  const weights = j.weights.map((w) => Float32Array.from(w.values));
  const runs = j.runs.map((r) => ({
    batch: r.batch,
    x: Float32Array.from(r.x),
    y: c.loss === 'sparse_categorical_crossentropy' ? Int32Array.from(r.y) : Float32Array.from(r.y),
  }));
  const results = j.runs.map((r) => ({ output: Float32Array.from(r.output), loss: r.loss, gradients: r.gradients.map((g) => Float32Array.from(g.values)) }));
  const { summary, problems: p2 } = checkCase(c, specs, weights, runs, results);
  return { c, summary, problems: p2 };
}

// tfjs 4.22.0 GRUCell throws for resetAfter=true; confirm so the README statement stays true.
function tfjsGruResetAfterSupported() {
  try {
    const layer = tf.layers.gru({ units: 2, activation: 'tanh', recurrentActivation: 'sigmoid', resetAfter: true });
    layer.dispose?.();
    return true;
  } catch (e) {
    return false;
  }
}

function toJsonObject(c, specs, weights, runs, results) {
  const naming = kerasNaming(c.layers);
  return {
    case: c.name,
    generator: GENERATOR,
    input_shape: c.inputShape,
    loss: c.loss,
    layers: c.layers.map((l, i) => (isBidi(l) ? bidiJson(l, naming[i]) : layerJson(l, naming[i].name))),
    parameter_count: c.parameterCount,
    weights: specs.map((s, i) => ({ name: s.name, shape: s.shape, values: Array.from(weights[i]) })),
    runs: runs.map((run, ri) => ({
      batch: run.batch,
      x: Array.from(run.x),
      y: Array.from(run.y),
      output: Array.from(results[ri].output),
      loss: results[ri].loss,
      gradients: specs.map((s, i) => ({ name: s.name, values: Array.from(results[ri].gradients[i]) })),
    })),
  };
}

// Deterministic JSON: objects/arrays of objects indented, arrays of scalars on one line.
function formatJson(v, indent = '') {
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.every((e) => typeof e !== 'object' || e === null)) return '[' + v.map((e) => scalar(e)).join(', ') + ']';
    return '[\n' + v.map((e) => inner + formatJson(e, inner)).join(',\n') + '\n' + indent + ']';
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    const flat = entries.every(([, e]) => typeof e !== 'object' || e === null);
    if (flat) return '{' + entries.map(([k, e]) => `${JSON.stringify(k)}: ${scalar(e)}`).join(', ') + '}';
    return '{\n' + entries.map(([k, e]) => `${inner}${JSON.stringify(k)}: ${formatJson(e, inner)}`).join(',\n') + '\n' + indent + '}';
  }
  return scalar(v);
}

function scalar(e) {
  if (typeof e === 'number' && !Number.isFinite(e)) fail(`non-finite number ${e} in fixture`);
  return JSON.stringify(e);
}

const fmtE = (v) => (v === null ? '-' : v === Infinity ? 'inf' : v.toExponential(2));

async function main() {
  const checkOnly = process.argv.includes('--check');
  await tf.setBackend('cpu');
  await tf.ready();
  if (tf.getBackend() !== 'cpu') fail(`backend is ${tf.getBackend()}, expected cpu`);
  if (tf.version.tfjs !== TFJS_VERSION) fail(`@tensorflow/tfjs is ${tf.version.tfjs}, expected ${TFJS_VERSION}`);

  const rows = [];
  const allProblems = [];
  const stale = [];
  if (tfjsGruResetAfterSupported()) {
    allProblems.push('tfjs now accepts GRU resetAfter=true: update the README and consider a tfjs reset_after case');
  }
  for (const c of CASES) {
    if (!sameShape(deriveOutputShape(c.inputShape, c.layers), c.outputShape)) fail(`${c.name}: outputShape does not follow from the layers`);
    const { specs, weights, runs } = makeCaseData(c);
    const results = runs.map((run) => runTfjs(c, specs, weights, run));
    const { summary, problems } = checkCase(c, specs, weights, runs, results);
    rows.push({ c, summary });
    problems.slice(0, 20).forEach((p) => allProblems.push(`${c.name}: ${p}`));
    if (problems.length > 20) allProblems.push(`${c.name}: ... ${problems.length - 20} more`);

    const text = formatJson(toJsonObject(c, specs, weights, runs, results)) + '\n';
    const file = path.join(OUT_DIR, `${c.name}.json`);
    if (checkOnly) {
      if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) stale.push(file);
    } else if (problems.length === 0) {
      fs.mkdirSync(OUT_DIR, { recursive: true });
      fs.writeFileSync(file, text);
    }
  }

  // Cross-check of the PyTorch GRU (reset_after=True) fixtures: a second, independent oracle.
  const torchRows = [];
  for (const name of TORCH_CASES) {
    const { summary, problems } = crossCheckTorchFixture(name);
    if (summary) torchRows.push({ c: { name }, summary });
    problems.slice(0, 20).forEach((p) => allProblems.push(`torch/${name}: ${p}`));
    if (problems.length > 20) allProblems.push(`torch/${name}: ... ${problems.length - 20} more`);
  }

  const header = 'case                           fwd max abs  fwd max rel  loss rel     grad max abs grad max rel err/tol   relu margin  clip margin  alt-order    fwd-dir diff bidi-order   bidi-dir     emb-accum';
  const printRows = (rs) => rs.forEach(({ c, summary: s }) => console.log(
    c.name.padEnd(31) +
    [s.fwdAbs, s.fwdRel, s.lossRel, s.gradAbs, s.gradRel, s.gradWorst, s.reluMargin, s.clipMargin, s.orderDiff, s.dirDiff, s.bidiOrderDiff, s.bidiDirDiff, s.embAccumDiff]
      .map((v, i) => (i === 5 ? (v.toFixed(3)).padEnd(9) : fmtE(v).padEnd(12))).join(' '),
  ));
  console.log(`self-check: tfjs ${tf.version.tfjs} (${tf.getBackend()}) vs float64 reference; central differences h=${FD_H}`);
  console.log(header);
  printRows(rows);
  console.log(`\ncross-check: PyTorch GRU (reset_after=True) fixtures in ${path.relative(process.cwd(), TORCH_DIR)} vs the same float64 reference`);
  console.log(header);
  printRows(torchRows);
  console.log('(err/tol = worst |oracle - fd| / (1e-5 + 1e-3*|fd|); alt-order = how far the oracle output is from the');
  console.log(' non-Keras go_backwards sequence order; fwd-dir diff = how far it is from go_backwards ignored; both must');
  console.log(' be large. bidi-order = how far it is from a Bidirectional whose backward sequence is not flipped back to');
  console.log(' time order; bidi-dir = how far it is from a backward copy running in the forward direction; both must be');
  console.log(' large (a Bidirectional sequence averaged straight by GlobalAveragePooling1D cannot show its order: bidi-order');
  console.log(' is then "-", and the output is confirmed to be order-independent). emb-accum = how far the Embedding gradient');
  console.log(' is from keeping only the first or only the last contribution of a repeated token id; must be large.');
  console.log(' relu/clip margins must be well above 0. tfjs GRU resetAfter=true: rejected by tfjs, as expected)');

  if (allProblems.length) {
    console.error('\nSELF-CHECK FAILED:');
    allProblems.forEach((p) => console.error('  ' + p));
    process.exit(1);
  }
  if (checkOnly) {
    if (stale.length) {
      console.error('\nFixtures on disk differ from a fresh run (regenerate with `node make-fixtures.mjs`):');
      stale.forEach((f) => console.error('  ' + path.relative(process.cwd(), f)));
      process.exit(1);
    }
    console.log(`\nOK: all checks passed; ${CASES.length} fixture files on disk are up to date; ${TORCH_CASES.length} torch fixtures cross-checked.`);
  } else {
    console.log(`\nOK: all checks passed; wrote ${CASES.length} fixtures to ${path.relative(process.cwd(), OUT_DIR)}; ${TORCH_CASES.length} torch fixtures cross-checked.`);
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
