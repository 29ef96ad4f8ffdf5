import { empty } from "../tensor/alloc.js";
import { contiguousStrides, fmtShape, shapeEquals } from "../tensor/shape.js";
import { keep, scope } from "../tensor/scope.js";
import { Tensor } from "../tensor/tensor.js";
import { AnomalyError, isDetectingAnomaly } from "./anomaly.js";
import { noGrad } from "./grad-mode.js";
import { SliceGrad, type BackwardFn, type GradNode } from "./node.js";

export interface BackwardOptions {
  /** Keep the recorded graph so backward can run through it again. */
  retainGraph?: boolean;
}

/**
 * Reverse-mode autodiff from `root`. Leaf gradients accumulate into `.grad` (kept out of scopes, as
 * they outlive the step); intermediate gradients are disposed as soon as nothing needs them.
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) throw new Error("backward: tensor does not require grad and has no gradFn");
  let seed: Tensor;
  const userSeed = gradient !== undefined;
  if (gradient) {
    if (!shapeEquals(gradient.shape, root.shape)) {
      throw new Error(`backward: gradient shape ${fmtShape(gradient.shape)} does not match tensor shape ${fmtShape(root.shape)}`);
    }
    seed = gradient;
  } else {
    if (root.size !== 1) throw new Error(`backward: grad can be implicitly created only for one-element outputs, got ${fmtShape(root.shape)}; pass a gradient`);
    seed = empty(root.shape, root.dtype, root.device);
    root.backend.fill(seed.storage, 1);
  }

  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const holds = new Map<Tensor, number>([[seed, 1]]);
  // the engine never frees what the caller owns: the user's seed, and tensors a hook returned
  const foreign = new Set<Tensor>(userSeed ? [seed] : []);
  const hold = (g: Tensor): void => {
    holds.set(g, (holds.get(g) ?? 0) + 1);
  };
  const drop = (g: Tensor): void => {
    const n = (holds.get(g) ?? 1) - 1;
    if (n > 0) holds.set(g, n);
    else {
      holds.delete(g);
      if (!foreign.has(g)) g.dispose();
    }
  };

  noGrad(() => {
    for (const t of order) {
      let g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (t.hooks?.length) {
        const h = runHooks(t, g);
        if (h !== g) {
          if (!holds.has(h)) foreign.add(h);
          hold(h);
          drop(g);
          g = h;
        }
      }
      if (t.gradFn === null || t.retainsGrad) {
        // the gradient tensor can become .grad itself when nothing else holds it or shares its storage
        const canSteal = (holds.get(g) ?? 0) === 1 && !foreign.has(g) && g.storage.refs === 1;
        if (accumulateGrad(t, g, canSteal)) hold(g); // the tensor owns it now: never disposed by the engine
      }
      const node = t.gradFn;
      if (node === null) {
        drop(g);
        continue;
      }
      if (node.backwardFn === null) {
        throw new Error(`backward: the graph through ${node.name} was already freed; pass { retainGraph: true } to the first backward() to run it twice`);
      }
      node.inputs.forEach((x, i) => {
        if (x.requiresGrad && x.isDisposed) {
          throw new Error(`backward: input ${i} of ${node.name} (${fmtShape(x.shape)}) was disposed before backward (by dispose() or the end of a scope); keep it alive until backward has run`);
        }
      });
      const inGrads = runBackwardFn(node, node.backwardFn, g);
      if (!opts.retainGraph) node.backwardFn = null;
      const used = new Set<Tensor>();
      node.inputs.forEach((x, i) => {
        let gi = inGrads[i];
        if (!gi || !x.requiresGrad) return;
        if (gi instanceof SliceGrad) {
          const sg = gi;
          if (!shapeEquals(sg.fullShape, x.shape)) {
            throw new Error(`backward of ${node.name}: slice gradient of ${fmtShape(sg.fullShape)} for input ${i} does not match its shape ${fmtShape(x.shape)}`);
          }
          if (isDetectingAnomaly()) checkGradFinite(node.name, sg.value);
          used.add(sg.value);
          const prev = grads.get(x);
          // add in place when the engine alone owns the running sum; otherwise start a dense one
          if (prev && holds.get(prev) === 1 && !foreign.has(prev) && prev.storage.refs === 1) {
            addIntoRegion(prev, sg);
            return;
          }
          gi = materialize(sg, x);
        }
        if (!shapeEquals(gi.shape, x.shape)) {
          throw new Error(`backward of ${node.name}: gradient ${fmtShape(gi.shape)} for input ${i} does not match its shape ${fmtShape(x.shape)}`);
        }
        if (isDetectingAnomaly()) checkGradFinite(node.name, gi);
        used.add(gi);
        hold(gi);
        const prev = grads.get(x);
        if (prev) {
          const sum = addNew(prev, gi);
          hold(sum);
          drop(prev);
          drop(gi);
          grads.set(x, sum);
        } else grads.set(x, gi);
      });
      // gradients computed for inputs that need none, and slice values already added in
      for (const r of inGrads) {
        const gi = r instanceof SliceGrad ? r.value : r;
        if (gi && gi !== g && !holds.has(gi) && !gi.isDisposed && (!used.has(gi) || r instanceof SliceGrad)) gi.dispose();
      }
      drop(g);
    }
  });
}

function runHooks(t: Tensor, g: Tensor): Tensor {
  let grad = g;
  for (const h of t.hooks ?? []) {
    const r = h(grad);
    if (r instanceof Tensor) {
      if (!shapeEquals(r.shape, t.shape)) throw new Error(`backward: a hook returned a gradient of shape ${fmtShape(r.shape)} for a tensor of shape ${fmtShape(t.shape)}`);
      grad = r;
    }
  }
  return grad;
}

/**
 * Calls a node's backward inside a scope, so temporaries it makes are freed and only the returned
 * gradients survive. In anomaly mode a NaN/Inf raised inside it is attributed to the node.
 */
function runBackwardFn(node: GradNode, fn: BackwardFn, g: Tensor): ReturnType<BackwardFn> {
  try {
    return scope(() => fn(g));
  } catch (e) {
    if (e instanceof AnomalyError && !e.message.startsWith("backward of")) {
      throw new AnomalyError(`backward of ${node.name}: ${e.message}${node.trace ? `\nforward op was recorded at:\n${node.trace}` : ""}`);
    }
    if (e instanceof Error && /used after dispose/.test(e.message)) {
      throw new Error(`backward of ${node.name}: a tensor it saved was disposed before backward (by dispose() or the end of a scope): ${e.message}`);
    }
    throw e;
  }
}

/** Tensors reachable from root through recorded ops, in an order where each comes before its inputs. */
function topoOrder(root: Tensor): Tensor[] {
  const post: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const x = inputs[i];
      if (x.requiresGrad && !seen.has(x)) {
        seen.add(x);
        stack.push([x, 0]);
      }
    } else {
      stack.pop();
      post.push(t);
    }
  }
  return post.reverse();
}

/** Adds g into t.grad; returns true when g itself became t.grad (only when canSteal). */
function accumulateGrad(t: Tensor, g: Tensor, canSteal: boolean): boolean {
  if (t.grad && !t.grad.isDisposed) {
    const b = t.backend;
    const s = contiguousStrides(t.shape);
    b.binary("add", t.grad.storage, s, g.storage, s, t.grad.storage, t.shape);
    return false;
  }
  if (canSteal) {
    t.grad = keep(g);
    return true;
  }
  t.grad = keep(copyOf(g));
  return false;
}

function copyOf(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype, x.device);
  const s = contiguousStrides(x.shape);
  x.backend.copyStrided(x.storage, 0, s, out.storage, 0, s, x.shape);
  return out;
}

/** A dense gradient for x holding the slice gradient's values (zero elsewhere). */
function materialize(sg: SliceGrad, x: Tensor): Tensor {
  const out = empty(x.shape, sg.value.dtype, x.device, !sg.covers);
  x.backend.copyStrided(sg.value.storage, 0, contiguousStrides(sg.value.shape), out.storage, sg.offset, sg.strides, sg.value.shape);
  return out;
}

/** acc[region] += sg.value, through a slice-sized temporary (the binary kernel writes dense outputs). */
function addIntoRegion(acc: Tensor, sg: SliceGrad): void {
  const b = acc.backend;
  const shape = sg.value.shape;
  const dense = contiguousStrides(shape);
  const tmp = empty(shape, acc.dtype, acc.device);
  b.copyStrided(acc.storage, sg.offset, sg.strides, tmp.storage, 0, dense, shape);
  b.binary("add", tmp.storage, dense, sg.value.storage, dense, tmp.storage, shape);
  b.copyStrided(tmp.storage, 0, dense, acc.storage, sg.offset, sg.strides, shape);
  tmp.dispose();
}

function addNew(a: Tensor, b: Tensor): Tensor {
  const out = empty(a.shape, a.dtype, a.device);
  const s = contiguousStrides(a.shape);
  a.backend.binary("add", a.storage, s, b.storage, s, out.storage, a.shape);
  return out;
}

function checkGradFinite(op: string, g: Tensor): void {
  const d = g.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) throw new AnomalyError(`backward of ${op}: gradient has ${Number.isNaN(d[i]) ? "NaN" : "Inf"} at flat index ${i} of ${fmtShape(g.shape)}`);
  }
}

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Computes gradients of this tensor w.r.t. graph leaves (torch's Tensor.backward). */
    backward(gradient?: Tensor, opts?: BackwardOptions): void;
  }
}

Tensor.prototype.backward = function (this: Tensor, gradient?: Tensor, opts?: BackwardOptions): void {
  backward(this, gradient, opts);
};
