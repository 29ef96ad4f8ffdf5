import assert from "node:assert/strict";
import { cat, liveTensors, manualSeed, narrow, noGrad, randn, reshape, tensor, type Tensor } from "../../src/index.js";
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type AnyModule } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { assertConfigRoundTrip, extra, gradcheckModuleWith, runSeqCase } from "./seq-helpers.js";

type Rec = (x: Tensor, h?: Tensor | [Tensor, Tensor] | null, lengths?: Tensor | null) => [Tensor, Tensor | [Tensor, Tensor]];

/** Runs a recorded RNN case: inputs x, h0 (and c0), optional lengths; outputs [output, hN(, cN)]. */
function rnnCase(name: string): void {
  runSeqCase("rnn", name, "train", (m, xs, c) => {
    const lengths = c.lengths ? extra(c, "lengths") : null;
    const h = xs.c0 ? ([xs.h0, xs.c0] as [Tensor, Tensor]) : (xs.h0 ?? null);
    const [out, state] = (m as unknown as { forward: Rec }).forward(xs.x, h, lengths);
    return Array.isArray(state) ? [out, ...state] : [out, state];
  });
}

backendTest("LSTM (2 layers, bidirectional, batchFirst) matches PyTorch: output, hN, cN and all gradients", () => rnnCase("lstm_2layer_bidir_batchfirst"));
backendTest("GRU (2 layers, bidirectional, batchFirst) matches PyTorch", () => rnnCase("gru_2layer_bidir_batchfirst"));
backendTest("RNN tanh (2 layers, bidirectional, batchFirst, zero h0) matches PyTorch", () => rnnCase("rnn_tanh_2layer_bidir_batchfirst"));
backendTest("RNN relu without bias (time-major) matches PyTorch", () => rnnCase("rnn_relu_nobias_seqfirst"));
backendTest("LSTM with lengths matches PyTorch's pack_padded_sequence (2 layers, bidirectional)", () => rnnCase("lstm_packed_varlen"));
backendTest("GRU with lengths matches PyTorch's pack_padded_sequence (time-major, bidirectional)", () => rnnCase("gru_packed_varlen_seqfirst"));

backendTest("LSTMCell, GRUCell and RNNCell gradcheck through input, state and parameters", () => {
  manualSeed(5);
  const lstm = new LSTMCell(2, 3);
  gradcheckModuleWith(lstm, [randn([2, 2]), randn([2, 3]), randn([2, 3])], (xs): [Tensor, [Tensor, Tensor]] => [xs[0], [xs[1], xs[2]]], ([h, c]) => cat([h, c], 1));
  const gru = new GRUCell(3, 2);
  gradcheckModuleWith(gru, [randn([2, 3]), randn([2, 2])], (xs): [Tensor, Tensor] => [xs[0], xs[1]], (h) => h);
  const rnn = new RNNCell(2, 2, { nonlinearity: "tanh" });
  gradcheckModuleWith(rnn, [randn([3, 2]), randn([3, 2])], (xs): [Tensor, Tensor] => [xs[0], xs[1]], (h) => h);
});

backendTest("a tiny bidirectional LSTM and GRU with lengths gradcheck (masking included)", () => {
  manualSeed(6);
  const lengths = tensor([3, 1], { dtype: "int32" });
  const lstm = new LSTM(2, 2, { bidirectional: true, batchFirst: true });
  const join = ([o, [h, c]]: [Tensor, [Tensor, Tensor]]): Tensor => cat([reshape(o, [-1]), reshape(h, [-1]), reshape(c, [-1])]);
  gradcheckModuleWith(lstm, [randn([2, 3, 2])], (xs): [Tensor, null, Tensor] => [xs[0], null, lengths], join);
  const gru = new GRU(2, 2, { numLayers: 2 });
  gradcheckModuleWith(gru, [randn([3, 2, 2]), randn([2, 2, 2])], (xs): [Tensor, Tensor, Tensor] => [xs[0], xs[1], lengths], ([o, h]) => cat([reshape(o, [-1]), reshape(h, [-1])]));
});

backendTest("the cells step like one time step of the layers with the same weights", () => {
  manualSeed(7);
  const x = randn([3, 2, 4]);
  for (const kind of ["LSTM", "GRU", "RNN"] as const) {
    const layer = kind === "LSTM" ? new LSTM(4, 3) : kind === "GRU" ? new GRU(4, 3) : new RNN(4, 3, { nonlinearity: "relu" });
    const cell = kind === "LSTM" ? new LSTMCell(4, 3) : kind === "GRU" ? new GRUCell(4, 3) : new RNNCell(4, 3, { nonlinearity: "relu" });
    const s = layer.stateDict();
    cell.loadStateDict({ weightIh: s.weightIhL0, weightHh: s.weightHhL0, biasIh: s.biasIhL0, biasHh: s.biasHhL0 });
    noGrad(() => {
      const [out] = (layer as unknown as { forward: Rec }).forward(x);
      let state: Tensor | [Tensor, Tensor] | null = null;
      for (let t = 0; t < 3; t++) {
        const xt = reshape(narrow(x, 0, t, 1), [2, 4]);
        state = cell instanceof LSTMCell ? cell.forward(xt, state as [Tensor, Tensor] | null) : (cell as GRUCell).forward(xt, state as Tensor | null);
        const h = Array.isArray(state) ? state[0] : state;
        assertClose(h, reshape(narrow(out, 0, t, 1), [2, 3]), 1e-5, 1e-6, `${kind} step ${t}`);
      }
    });
  }
});

backendTest("padded steps do not change the state or the output: each sequence equals running it alone", () => {
  manualSeed(8);
  const gru = new GRU(3, 4, { batchFirst: true, bidirectional: true, numLayers: 2 });
  const x = randn([2, 5, 3]);
  noGrad(() => {
    const [out, h] = gru.forward(x, null, [5, 2]);
    const [alone, hAlone] = gru.forward(narrow(narrow(x, 0, 1, 1), 1, 0, 2));
    assertClose(narrow(narrow(out, 0, 1, 1), 1, 0, 2), alone, 1e-5, 1e-6, "real steps");
    assertClose(narrow(narrow(out, 0, 1, 1), 1, 2, 3), new Float32Array(3 * 8), 0, 0, "padded steps are zero");
    assertClose(narrow(h, 1, 1, 1), hAlone, 1e-5, 1e-6, "final state");
  });
});

backendTest("unbatched input [T, I] gives the batch-of-one result without the batch dim", () => {
  manualSeed(9);
  const lstm = new LSTM(3, 2, { numLayers: 2 });
  const x = randn([4, 3]);
  const h0 = randn([2, 2]);
  const c0 = randn([2, 2]);
  noGrad(() => {
    const [o, [h, c]] = lstm.forward(x, [h0, c0]);
    const [ob, [hb, cb]] = lstm.forward(reshape(x, [4, 1, 3]), [reshape(h0, [2, 1, 2]), reshape(c0, [2, 1, 2])]);
    assert.deepEqual([...o.shape], [4, 2]);
    assert.deepEqual([...h.shape], [2, 2]);
    assertClose(o, ob, 0, 0);
    assertClose(h, hb, 0, 0);
    assertClose(c, cb, 0, 0);
  });
});

backendTest("dropout acts between layers in training mode only; default init is U(-1/sqrt(H), 1/sqrt(H))", () => {
  manualSeed(10);
  const rnn = new LSTM(3, 16, { numLayers: 2, dropout: 0.5 });
  const k = 1 / Math.sqrt(16);
  for (const p of rnn.parameters()) for (const v of p.dataSync()) assert.ok(Math.abs(v) <= k, `init within ±${k}`);
  const x = randn([3, 2, 3]);
  noGrad(() => {
    rnn.eval();
    const [a] = rnn.forward(x);
    const [b] = rnn.forward(x);
    assertClose(a, b, 0, 0, "eval is deterministic");
    rnn.train();
    const [c] = rnn.forward(x);
    const diff = Math.max(...[...a.dataSync()].map((v, i) => Math.abs(v - c.dataSync()[i])));
    assert.ok(diff > 1e-3, "training mode drops units between the layers");
  });
  assert.deepEqual(rnn.namedParameters().map(([n]) => n).slice(0, 4), ["weightIhL0", "weightHhL0", "biasIhL0", "biasHhL0"]);
  assert.deepEqual([...rnn.stateDict().weightIhL1.shape], [64, 16]);
});

backendTest("RNN layers free their intermediates under noGrad", () => {
  manualSeed(11);
  const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
  const x = randn([5, 2, 3]);
  const before = liveTensors();
  const [o, [h, c]] = noGrad(() => lstm.forward(x, null, [5, 3]));
  assert.equal(liveTensors(), before + 3, "only output, hN and cN survive");
  for (const t of [o, h, c]) t.dispose();
});

backendTest("RNN, LSTM, GRU and the cells survive config → JSON → rebuild → loadStateDict", () => {
  manualSeed(12);
  const x = randn([4, 2, 3]);
  const xc = randn([2, 3]);
  const layers: [AnyModule, (m: AnyModule) => Tensor][] = [
    [new RNN(3, 4, { nonlinearity: "relu", numLayers: 2, bias: false, dropout: 0.2 }) as unknown as AnyModule, (m) => (m as unknown as RNN).forward(x)[1]],
    [new LSTM(3, 2, { bidirectional: true, batchFirst: true }) as unknown as AnyModule, (m) => (m as unknown as LSTM).forward(x)[1][1]],
    [new GRU(3, 5, { numLayers: 3 }) as unknown as AnyModule, (m) => (m as unknown as GRU).forward(x)[0]],
    [new RNNCell(3, 2, { nonlinearity: "relu" }) as unknown as AnyModule, (m) => (m as unknown as RNNCell).forward(xc)],
    [new LSTMCell(3, 2, { bias: false }) as unknown as AnyModule, (m) => (m as unknown as LSTMCell).forward(xc)[1]],
    [new GRUCell(3, 2) as unknown as AnyModule, (m) => (m as unknown as GRUCell).forward(xc)],
  ];
  for (const [orig, run] of layers) {
    assertConfigRoundTrip(orig, run);
  }
});

backendTest("RNN layers name the layer and the shapes on bad input", () => {
  const lstm = new LSTM(3, 4, { numLayers: 2, batchFirst: true });
  assert.throws(() => lstm.forward(randn([2, 5, 4])), { message: "LSTM(3→4, numLayers=2): input must be [batch, time, 3] or [time, 3], got [2,5,4]" });
  assert.throws(() => lstm.forward(randn([2, 5, 3]), [randn([2, 3, 4]), randn([2, 2, 4])]), /LSTM\(3→4, numLayers=2\): h0 must be \[2,2,4\] for input \[2,5,3\], got \[2,3,4\]/);
  assert.throws(() => lstm.forward(randn([2, 5, 3]), null, [5, 6]), /lengths must be integers in \[0, 5\] \(the sequence length\), got 6/);
  assert.throws(() => lstm.forward(randn([2, 5, 3]), null, [5]), /lengths has 1 entries, expected one per sequence \(batch 2\)/);
  assert.throws(() => lstm.forward(randn([2, 5, 3]), null, randn([2])), /lengths must be an int32 tensor \[batch\], got float32 \[2\]/);
  assert.throws(() => new GRUCell(3, 2).forward(randn([2, 3]), randn([3, 2])), { message: "GRUCell(3→2): hx must be [2,2] for input [2,3], got [3,2]" });
  assert.throws(() => new GRU(3, 0), /GRU: hiddenSize must be an integer >= 1, got 0/);
  assert.throws(() => new RNN(3, 2, { dropout: 1.5 }), /RNN: dropout must be a number in \[0, 1\], got 1.5/);
  assert.throws(() => new RNN(3, 2, { nonlinearity: "sigmoid" as "tanh" }), /RNN: nonlinearity must be "tanh" or "relu", got "sigmoid"/);
});
