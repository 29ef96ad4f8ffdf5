// The Optimizer base: parameter groups, per-parameter state, zeroGrad, step and a state dict that
// splits into JSON metadata and a flat name → tensor map (so it can be written next to a safetensors file).
import { enableGrad, noGrad } from "../autograd/index.js";
import { clone, keep, scope, Tensor, toDevice } from "../tensor/index.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";

/** A JSON-serialisable value, as found in the `meta` half of a state dict. */
export type StateValue = null | boolean | number | string | StateValue[] | { [key: string]: StateValue };

/** The value types a group option may hold (numbers, flags, and tuples such as Adam's betas). */
export type OptionValue = number | boolean | readonly number[];

/** Options every param group has; each optimizer extends this with its own hyper-parameters. */
export interface GroupOptions {
  lr: number;
}

/**
 * A group of parameters sharing hyper-parameters (torch's `param_groups[i]`): the options are plain
 * fields, so a scheduler (or you) can change `group.lr` between steps.
 */
export type ParamGroup<O extends GroupOptions = GroupOptions> = O & {
  params: Tensor[];
  /** The lr a scheduler's schedule is relative to; set by the first scheduler attached. */
  initialLr?: number;
};

/** A param group as passed to an optimizer: any option left out takes the optimizer's default. */
export type ParamGroupInput<O extends GroupOptions = GroupOptions> = Partial<O> & { params: Tensor | Iterable<Tensor> };

/** What an optimizer accepts: parameters, or param groups with per-group options. */
export type Params<O extends GroupOptions = GroupOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Per-parameter state: a step count and named buffers (PyTorch's names: exp_avg, momentum_buffer, ...). */
export interface ParamState {
  step: number;
  buffers: Record<string, Tensor>;
}

/** The JSON half of an optimizer state dict. */
export interface OptimizerStateMeta {
  /** Each group's options and the indices of its params in the order of `paramGroups` (as PyTorch numbers them). */
  paramGroups: { [option: string]: StateValue; params: number[] }[];
  /** Per param index (as a string key): its step count and the names of its buffers. */
  state: { [index: string]: { step: number; buffers: string[] } };
}

/**
 * An optimizer's state: JSON metadata plus the buffers, keyed `state.<paramIndex>.<bufferName>`
 * (e.g. `state.3.exp_avg`). Tensors are copies: the caller owns (and disposes) them.
 */
export interface OptimizerStateDict {
  meta: OptimizerStateMeta;
  tensors: Record<string, Tensor>;
}

/** Checks lo ≤ value (≤ or < hi); the message names the optimizer and the option. */
export function checkOption(op: string, name: string, value: number, lo: number, hi = Infinity, hiInclusive = true): void {
  const ok = typeof value === "number" && value >= lo && (hiInclusive ? value <= hi : value < hi);
  if (!ok) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}${hiInclusive ? "]" : ")"}`;
    throw new Error(`${op}: invalid ${name} ${String(value)} (expected ${range})`);
  }
}

/** Options a group may carry besides the optimizer's own: the scheduler's anchor. */
const EXTRA_GROUP_OPTIONS = new Set(["initialLr"]);

/**
 * Defaults overridden by the options the caller actually set (undefined means "not set"); an option
 * the defaults do not have is a typo or belongs to another optimizer, and is an error.
 */
export function withDefaults<O extends object>(op: string, defaults: O, options: Partial<O>): O {
  if (options === null || typeof options !== "object") throw new Error(`${op}: options must be an object`);
  const out = { ...defaults };
  for (const [k, v] of Object.entries(options)) {
    if (k === "params" || v === undefined) continue;
    if (!(k in defaults) && !EXTRA_GROUP_OPTIONS.has(k)) throw new Error(`${op}: unknown option ${k} (known: ${Object.keys(defaults).join(", ")})`);
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function isOptionValue(v: unknown): v is OptionValue {
  return typeof v === "number" || typeof v === "boolean" || (Array.isArray(v) && v.every((x) => typeof x === "number"));
}

/**
 * Base class of every optimizer. Subclasses implement `updateGroup` (the update of one group's
 * parameters, run under noGrad) and `checkOptions` (argument validation for one group).
 */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  /** The options any group that does not set its own uses. */
  readonly defaults: Readonly<O>;
  /** The parameter groups, in the order given. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on the first step that updates the parameter. */
  protected readonly state = new Map<Tensor, ParamState>();

  /** @param name used in error messages ("Adam: ..."). */
  protected constructor(
    readonly name: string,
    params: Params<O>,
    defaults: O,
  ) {
    this.defaults = defaults;
    const items: unknown[] = params instanceof Tensor ? [params] : [...(params as Iterable<unknown>)];
    if (items.length === 0) throw new Error(`${name}: got an empty parameter list`);
    if (items.every((x) => x instanceof Tensor)) this.addParamGroup({ params: items as Tensor[] } as unknown as ParamGroupInput<O>); // no options: all defaults
    else if (items.every((x) => !(x instanceof Tensor) && typeof x === "object" && x !== null && "params" in x)) {
      for (const g of items as ParamGroupInput<O>[]) this.addParamGroup(g);
    } else {
      throw new Error(`${name}: params must be all tensors or all param groups ({ params, ...options }), not a mix`);
    }
  }

  /** Validates one group's options; throws naming the bad option. */
  protected abstract checkOptions(options: O): void;

  /** Updates the parameters of one group in place; runs under noGrad. */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** Adds a param group (e.g. layers unfrozen during fine-tuning), filling unset options from the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== "object" || !("params" in group)) throw new Error(`${this.name}: a param group needs a params field`);
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    if (params.length === 0) throw new Error(`${this.name}: param group ${this.paramGroups.length} has no parameters`);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const [i, p] of params.entries()) {
      const where = `${this.name}: param group ${this.paramGroups.length}, param ${i}`;
      if (!(p instanceof Tensor)) throw new Error(`${where}: expected a Tensor, got ${typeof p}`);
      if (p.isDisposed) throw new Error(`${where}: the tensor was disposed`);
      if (p.dtype !== "float32") throw new Error(`${where}: can only optimize float32 tensors, got ${p.dtype}`);
      if (!p.isLeaf) throw new Error(`${where}: can't optimize a non-leaf tensor (use detach().requiresGrad_())`);
      if (seen.has(p)) throw new Error(`${where}: the tensor appears more than once among the optimizer's parameters`);
      seen.add(p);
    }
    const options = withDefaults<O>(this.name, { ...this.defaults }, group);
    for (const [k, v] of Object.entries(options)) {
      if (!isOptionValue(v)) throw new Error(`${this.name}: option ${k} must be a number, boolean or number array, got ${typeof v}`);
    }
    this.checkOptions(options);
    this.paramGroups.push({ ...options, params } as ParamGroup<O>);
  }

  /** Clears every parameter's gradient: disposes it and sets `.grad = null` (or, with setToNone false, fills it with zeros). */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) {
          p.grad.dispose();
          p.grad = null;
        } else if (!p.grad.isDisposed) {
          p.grad.zero_();
        }
      }
    }
  }

  /**
   * One optimization step over every parameter that has a gradient (parameters whose grad is null are
   * skipped). With a closure, it is called first (with grad enabled) to recompute the loss, which is returned.
   */
  step(closure?: () => number): number | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    return loss;
  }

  /**
   * Calls fn(param, grad, state) for each parameter of the group that has a gradient, inside its own
   * scope so the update's temporaries are freed at once.
   */
  protected forEachWithGrad(group: ParamGroup<O>, fn: (p: Tensor, grad: Tensor, state: ParamState) => void): void {
    for (const p of group.params) {
      const grad = p.grad;
      if (!grad) continue;
      if (grad.isDisposed) throw new Error(`${this.name}.step: the gradient of a ${fmtShape(p.shape)} parameter was disposed; set .grad = null instead`);
      if (!shapeEquals(grad.shape, p.shape)) throw new Error(`${this.name}.step: gradient ${fmtShape(grad.shape)} does not match parameter ${fmtShape(p.shape)}`);
      let st = this.state.get(p);
      if (!st) {
        st = { step: 0, buffers: {} };
        this.state.set(p, st);
      }
      const state = st;
      scope(() => fn(p, grad, state));
    }
  }

  /** Stores a state buffer, keeping it out of every enclosing scope (state lives as long as the optimizer). */
  protected setBuffer(state: ParamState, name: string, t: Tensor): Tensor {
    const old = state.buffers[name];
    if (old && old !== t) old.dispose();
    state.buffers[name] = keep(t);
    return t;
  }

  /** The state of a parameter (undefined before its first update). */
  stateOf(p: Tensor): Readonly<ParamState> | undefined {
    return this.state.get(p);
  }

  /** Every parameter, in group order: index i here is the i in `state.<i>.*` keys. */
  private flatParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** A snapshot of the options and per-parameter state (see OptimizerStateDict; the tensors are copies you own). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const entry: OptimizerStateMeta["paramGroups"][number] = { params: [] };
      for (const [k, v] of Object.entries(g)) {
        if (k === "params" || v === undefined) continue;
        entry[k] = Array.isArray(v) ? [...(v as number[])] : (v as number | boolean);
      }
      for (const p of g.params) {
        index.set(p, index.size);
        entry.params.push(index.size - 1);
      }
      return entry;
    });
    const state: OptimizerStateMeta["state"] = {};
    const tensors: Record<string, Tensor> = {};
    noGrad(() => {
      for (const [p, st] of this.state) {
        const i = index.get(p);
        if (i === undefined) continue;
        state[i] = { step: st.step, buffers: Object.keys(st.buffers) };
        for (const [name, buf] of Object.entries(st.buffers)) tensors[`state.${i}.${name}`] = clone(buf);
      }
    });
    return { meta: { paramGroups, state }, tensors };
  }

  /**
   * Restores options and state saved by stateDict() into this optimizer, which must hold the same
   * parameters in the same groups (checked by count and shape). Tensors are copied; the dict stays yours.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    const { meta, tensors } = dict;
    if (!meta || !Array.isArray(meta.paramGroups) || typeof meta.state !== "object" || meta.state === null) {
      throw new Error(`${op}: meta must have paramGroups (array) and state (object)`);
    }
    if (meta.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${op}: the state dict has ${meta.paramGroups.length} param groups, the optimizer has ${this.paramGroups.length}`);
    }
    meta.paramGroups.forEach((saved, gi) => {
      const have = this.paramGroups[gi].params.length;
      if (!Array.isArray(saved.params) || saved.params.length !== have) {
        throw new Error(`${op}: param group ${gi} has ${Array.isArray(saved.params) ? saved.params.length : "no"} params in the state dict, ${have} in the optimizer`);
      }
      for (const [k, v] of Object.entries(saved)) {
        if (k === "params") continue;
        if (!(k in this.defaults) && !EXTRA_GROUP_OPTIONS.has(k)) throw new Error(`${op}: param group ${gi} has option ${k}, which ${this.name} does not have`);
        if (!isOptionValue(v)) throw new Error(`${op}: option ${k} of param group ${gi} is not a number, boolean or number array`);
      }
    });
    const flat = this.flatParams();
    // state.<i> in the dict refers to the i-th saved param; map it through the saved groups' indices
    const byIndex = new Map<number, Tensor>();
    meta.paramGroups.forEach((saved, gi) => saved.params.forEach((idx, j) => byIndex.set(idx, this.paramGroups[gi].params[j])));
    const used = new Set<string>();
    const restored = new Map<Tensor, ParamState>();
    try {
      noGrad(() => {
        for (const [key, entry] of Object.entries(meta.state)) {
          const p = byIndex.get(Number(key));
          if (!p) throw new Error(`${op}: state for param ${key}, which no param group lists (the optimizer has ${flat.length} params)`);
          if (typeof entry?.step !== "number" || !Array.isArray(entry.buffers)) throw new Error(`${op}: state.${key} needs a numeric step and a buffers list`);
          const st: ParamState = { step: entry.step, buffers: {} };
          restored.set(p, st);
          for (const name of entry.buffers) {
            const k = `state.${key}.${name}`;
            const t = tensors[k];
            if (!t) throw new Error(`${op}: missing tensor ${k}`);
            if (!shapeEquals(t.shape, p.shape)) throw new Error(`${op}: ${k} has shape ${fmtShape(t.shape)}, its parameter has ${fmtShape(p.shape)}`);
            if (t.dtype !== p.dtype) throw new Error(`${op}: ${k} is ${t.dtype}, its parameter is ${p.dtype}`);
            const moved = toDevice(t, p.device);
            st.buffers[name] = keep(moved === t ? clone(t) : moved);
            used.add(k);
          }
        }
      });
      const extra = Object.keys(tensors).filter((k) => !used.has(k));
      if (extra.length > 0) throw new Error(`${op}: tensors not described by meta.state: ${extra.slice(0, 5).join(", ")}${extra.length > 5 ? ", ..." : ""}`);
    } catch (e) {
      for (const st of restored.values()) for (const b of Object.values(st.buffers)) b.dispose();
      throw e;
    }
    meta.paramGroups.forEach((saved, gi) => {
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(saved)) if (k !== "params") options[k] = Array.isArray(v) ? [...v] : v;
      Object.assign(this.paramGroups[gi], options);
    });
    this.disposeState();
    for (const [p, st] of restored) this.state.set(p, st);
  }

  private disposeState(): void {
    for (const st of this.state.values()) for (const b of Object.values(st.buffers)) b.dispose();
    this.state.clear();
  }

  /** Frees every state buffer (moments, momentum buffers); the optimizer starts from scratch if stepped again. */
  dispose(): void {
    this.disposeState();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
