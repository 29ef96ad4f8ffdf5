import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  adamStep_, add, clamp, Generator, keep, linear, liveTensors, log, mean, mul, prod, randn, rand, scope, setBackend, sigmoid, sign, sub,
  sum, tanh, tensor, zeros, zerosLike, gt, type AdamParams, type Tensor,
} from "../../src/index.js";
import { backendTest, hostBackends } from "../helpers/backends.js";

// ---------- a small MLP trained for 10,000 steps, run in a child process (needs --expose-gc) ----------

interface TrainReport {
  liveAt100: number;
  liveAt10000: number;
  rssAt1000: number;
  rssAt10000: number;
  firstLoss: number;
  finalLoss: number;
  accuracy: number;
  seconds: number;
}

const STEPS = 10_000;

/** XOR-like data from ops: points at least 0.1 from the axes, label = 1 where x·y > 0. */
function trainMlp(): TrainReport {
  const gen = new Generator(1234);
  const n = 64;
  const { x, y } = scope(() => {
    const mag = add(mul(rand([n, 2], { generator: gen }), 0.9), 0.1);
    const sgn = sign(sub(rand([n, 2], { generator: gen }), 0.5));
    const x = mul(mag, sgn);
    const y = gt(prod(x, 1, true), 0).float();
    return { x, y };
  });
  const init = (shape: number[], fanIn: number): Tensor => mul(randn(shape, { generator: gen }), 1 / Math.sqrt(fanIn)).requiresGrad_();
  const params = [init([16, 2], 2), init([16], 2), init([1, 16], 16), init([1], 16)];
  const moments = params.map((p) => [zerosLike(p), zerosLike(p)]);
  const [w1, b1, w2, b2] = params;
  const forward = (): Tensor => {
    const h = tanh(linear(x, w1, b1));
    const p = clamp(sigmoid(linear(h, w2, b2)), 1e-7, 1 - 1e-7);
    // binary cross-entropy from ops: −mean(y·log p + (1−y)·log(1−p))
    return mul(mean(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))))), -1);
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const rss = (): number => {
    gc?.();
    gc?.();
    return process.memoryUsage().rss;
  };
  const report: TrainReport = { liveAt100: 0, liveAt10000: 0, rssAt1000: 0, rssAt10000: 0, firstLoss: 0, finalLoss: 0, accuracy: 0, seconds: 0 };
  const t0 = performance.now();
  for (let step = 1; step <= STEPS; step++) {
    const loss = scope(() => {
      const l = forward();
      l.backward();
      params.forEach((p, i) => {
        const opt: AdamParams = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step };
        adamStep_(p, p.grad!, moments[i][0], moments[i][1], opt);
        p.grad!.zero_();
      });
      return l.item();
    });
    if (step === 1) report.firstLoss = loss;
    if (step === 100) report.liveAt100 = liveTensors();
    if (step === 1000) report.rssAt1000 = rss();
    if (step === STEPS) {
      report.liveAt10000 = liveTensors();
      report.rssAt10000 = rss();
      report.finalLoss = loss;
    }
  }
  report.seconds = (performance.now() - t0) / 1000;
  report.accuracy = scope(() => {
    const h = tanh(linear(x, w1, b1));
    const hit = gt(linear(h, w2, b2), 0).float().sub(y).abs();
    return 1 - sum(hit).item() / n;
  });
  return report;
}

const CHILD = process.env.INGOT_MLP_CHILD === "1";

if (CHILD) {
  setBackend(process.env.INGOT_MLP_BACKEND ?? "js");
  process.stdout.write(`MLP-REPORT ${JSON.stringify(trainMlp())}\n`);
} else {
  registerTests();
}

function registerTests(): void {
  for (const backend of hostBackends()) {
    test(`an MLP trained 10,000 steps in per-step scopes has flat tensor counts and RSS, and learns [${backend}]`, () => {
      const file = fileURLToPath(import.meta.url);
      const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", file], {
        env: { ...process.env, INGOT_MLP_CHILD: "1", INGOT_MLP_BACKEND: backend, INGOT_QUIET: "1" },
        encoding: "utf8",
        timeout: 180_000,
      });
      const line = r.stdout.split("\n").find((l) => l.startsWith("MLP-REPORT "));
      assert.ok(line, `child produced no report (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
      const rep = JSON.parse(line.slice("MLP-REPORT ".length)) as TrainReport;
      const mb = (rep.rssAt10000 - rep.rssAt1000) / 2 ** 20;
      const summary = `report: ${JSON.stringify(rep)}, RSS growth ${mb.toFixed(1)} MB`;
      assert.equal(rep.liveAt10000, rep.liveAt100, `live tensors changed between step 100 and step 10,000; ${summary}`);
      assert.ok(mb < 30, `RSS grew ${mb.toFixed(1)} MB between step 1,000 and 10,000; ${summary}`);
      assert.ok(rep.firstLoss > 0.5, `the untrained loss should be near ln 2; ${summary}`);
      assert.ok(rep.finalLoss < 0.05, `the MLP did not learn XOR (loss ${rep.finalLoss}); ${summary}`);
      assert.ok(rep.accuracy === 1, `training accuracy ${rep.accuracy}; ${summary}`);
    });
  }

  backendTest("scope disposes intermediates and keeps the result", () => {
    const base = liveTensors();
    const seen: Tensor[] = [];
    const out = scope(() => {
      const a = randn([4]);
      const b = mul(a, 2);
      seen.push(a, b);
      return add(b, 1);
    });
    assert.ok(seen.every((t) => t.isDisposed), "intermediates are disposed");
    assert.equal(out.isDisposed, false);
    assert.equal(liveTensors(), base + 1);
    out.dispose();
    assert.equal(liveTensors(), base);
    const outer = tensor([1, 2]);
    const same = scope(() => {
      mul(outer, 3);
      return outer;
    });
    assert.equal(same, outer);
    assert.equal(outer.isDisposed, false, "tensors created outside a scope are not its to dispose");
    assert.equal(scope(() => sum(tensor([1, 2])).item()), 3, "a scope may return plain values");
  });

  backendTest("nested scopes hand returned tensors to the enclosing scope", () => {
    const base = liveTensors();
    let inner: Tensor | null = null;
    let innerTmp: Tensor | null = null;
    const kept = scope(() => {
      inner = scope(() => {
        innerTmp = zeros([2]);
        return add(innerTmp, 1);
      });
      assert.equal(innerTmp!.isDisposed, true);
      assert.equal(inner.isDisposed, false, "the inner result survives the inner scope");
      const survivor = scope(() => mul(inner!, 2));
      return { survivor };
    });
    assert.equal(inner!.isDisposed, true, "the inner result is disposed by the outer scope it was handed to");
    assert.equal(kept.survivor.isDisposed, false);
    assert.deepEqual(kept.survivor.toArray(), [2, 2]);
    kept.survivor.dispose();
    assert.equal(liveTensors(), base);
  });

  backendTest("tensors returned inside arrays, objects and maps survive", () => {
    const base = liveTensors();
    const r = scope(() => {
      const a = tensor([1]);
      const b = tensor([2]);
      const c = tensor([3]);
      const d = tensor([4]);
      tensor([5]); // dropped
      return { list: [a, [b]], nested: { deep: { c } }, map: new Map([["d", d]]), n: 1 };
    });
    const all = [r.list[0] as Tensor, (r.list[1] as Tensor[])[0], r.nested.deep.c, r.map.get("d")!];
    assert.ok(all.every((t) => !t.isDisposed));
    assert.deepEqual(all.map((t) => t.item()), [1, 2, 3, 4]);
    assert.equal(liveTensors(), base + 4);
    all.forEach((t) => t.dispose());
    assert.equal(liveTensors(), base);
  });

  backendTest("keep() saves a tensor from every enclosing scope", () => {
    const base = liveTensors();
    let k: Tensor | null = null;
    scope(() => scope(() => {
      k = keep(mul(tensor([2]), 3));
    }));
    assert.equal(k!.isDisposed, false);
    assert.equal(k!.item(), 6);
    k!.dispose();
    assert.equal(liveTensors(), base);
  });

  backendTest("an exception inside a scope disposes everything it made", () => {
    const base = liveTensors();
    const made: Tensor[] = [];
    assert.throws(() => scope(() => {
      made.push(tensor([1]), zeros([3]));
      scope(() => {
        made.push(tensor([2]));
        throw new Error("inner failure");
      });
    }), /inner failure/);
    assert.ok(made.every((t) => t.isDisposed));
    assert.equal(liveTensors(), base);
    // a caught inner failure leaves the outer scope working
    const ok = scope(() => {
      const a = tensor([1]);
      try {
        scope(() => {
          tensor([9]);
          throw new Error("x");
        });
      } catch {
        // ignored
      }
      return add(a, 1);
    });
    assert.equal(ok.item(), 2);
    ok.dispose();
    assert.equal(liveTensors(), base);
    // a Promise result is refused (tensors made after an await would escape) and cleaned up
    assert.throws(() => scope(() => {
      tensor([1]);
      return Promise.resolve(1);
    }), /scope: fn returned a Promise/);
    assert.equal(liveTensors(), base);
  });

  backendTest("use after dispose throws a clear error; dispose is idempotent", () => {
    const t = tensor([1, 2, 3]);
    const d = t.detach();
    t.dispose();
    t.dispose();
    assert.equal(t.isDisposed, true);
    assert.throws(() => t.dataSync(), /tensor \[3\] float32 was used after dispose\(\)/);
    assert.throws(() => add(t, 1), /was used after dispose\(\)/);
    assert.throws(() => t.item(), /item|used after dispose/);
    assert.throws(() => sum(t), /used after dispose/);
    assert.match(t.toString(), /disposed/);
    assert.deepEqual(d.toArray(), [1, 2, 3], "a view keeps the shared storage alive");
    d.dispose();
    const s = scope(() => tensor([1]));
    s.dispose();
    assert.throws(() => s.toArray(), /used after dispose/);
  });

  backendTest("`using` disposes a tensor at the end of its block", () => {
    const base = liveTensors();
    let escaped: Tensor | null = null;
    {
      using a = tensor([1, 2]);
      using b = mul(a, 2);
      escaped = b;
      assert.deepEqual(b.toArray(), [2, 4]);
    }
    assert.equal(escaped.isDisposed, true);
    assert.equal(liveTensors(), base);
    const f = (): number => {
      using t = zeros([1000]);
      return t.size;
    };
    assert.equal(f(), 1000);
    assert.equal(liveTensors(), base);
  });

  backendTest("a training step in a scope leaves only parameters, grads and optimizer state", () => {
    const w = randn([3, 2]).requiresGrad_();
    const m = zerosLike(w);
    const v = zerosLike(w);
    const x = randn([5, 2]);
    const counts: number[] = [];
    for (let step = 1; step <= 5; step++) {
      scope(() => {
        const loss = mean(mul(linear(x, w), linear(x, w)));
        loss.backward();
        adamStep_(w, w.grad!, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step });
        w.grad!.zero_();
      });
      counts.push(liveTensors());
    }
    assert.equal(w.grad?.isDisposed, false, "the accumulated .grad outlives the scope");
    assert.ok(counts.every((c) => c === counts[0]), `live tensors per step: ${counts.join(", ")}`);
    const before = liveTensors();
    const sub1 = scope(() => sub(x, 1));
    assert.equal(liveTensors(), before + 1);
    sub1.dispose();
  });
}
