// Module: the base class of every layer. It finds its state by looking at its own properties (a
// Parameter is a parameter, a Module is a child, a name given to registerBuffer is a buffer), so plain
// assignment in a constructor registers things without a Proxy; containers keep keyed entries instead.
import { noGrad } from "../autograd/grad-mode.js";
import type { Device } from "../backends/storage.js";
import { toDevice } from "../tensor/ops/device.js";
import { keep } from "../tensor/scope.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { JsonValue, LayerConfig } from "./config.js";
import { Parameter } from "./parameter.js";

/** A module of any forward signature (what containers and traversals hold). */
export type AnyModule = Module<never, unknown>;

/** A flat map from dotted names (`0.weight`, `encoder.fc1.bias`) to tensors. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true); otherwise they are reported in the result. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  /** Keys the module has that the state dict lacks (left untouched). */
  missingKeys: string[];
  /** Keys the state dict has that the module lacks (ignored). */
  unexpectedKeys: string[];
}

type Entry =
  | { name: string; kind: "param"; value: Parameter }
  | { name: string; kind: "buffer"; value: Tensor; persistent: boolean }
  | { name: string; kind: "module"; value: AnyModule };

type Slot = Parameter | AnyModule | null;

/**
 * The base class of layers and models (torch.nn.Module). Subclasses create their parameters and
 * submodules in the constructor — by assigning a `Parameter` or a `Module` to a property, or with
 * `registerParameter` / `registerModule` / `registerBuffer` — and implement `forward`. Run a module
 * with `m.forward(x)` or `m.call(x)` (the same thing: TypeScript objects cannot be called like
 * PyTorch's `model(x)`).
 *
 * Parameters and registered buffers are kept out of `scope()` blocks and live until `dispose()`. A
 * tensor a module creates in forward and wants to keep (a cached mask) must be registered as a
 * non-persistent buffer (or `keep()`-ed): containers free forward's temporaries under noGrad. Plain
 * arrays of modules are refused; use ModuleList / ModuleDict.
 *
 * Type parameters: `I` is the tuple of forward's arguments, `O` its result.
 */
export abstract class Module<I extends unknown[] = [Tensor], O = Tensor> {
  /** True in training mode (the default); `eval()` clears it. Dropout and BatchNorm read it. */
  training = true;
  /** Buffer names → persistent (saved in stateDict). The tensors themselves live in properties. */
  readonly #buffers = new Map<string, boolean>();
  /** Keyed entries of containers (Sequential's "0", "1", ...), which are not properties. */
  readonly #items = new Map<string, Slot>();

  /** The computation. Call it directly or through `call`. */
  abstract forward(...args: I): O;

  /** Runs `forward` (the counterpart of PyTorch's `model(x)`). */
  call(...args: I): O {
    return this.forward(...args);
  }

  // ------------------------------------------------------------------ registration

  /** Adds (or replaces) a parameter as property `name`; `null` declares an absent one (e.g. no bias). */
  registerParameter(name: string, param: Parameter | null): void {
    this.#checkName("registerParameter", name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new Error(`registerParameter: ${this.constructor.name}.${name} must be a Parameter (wrap the tensor: new Parameter(t)), got ${describe(param)}`);
    }
    this.#buffers.delete(name);
    this.#props()[name] = param;
  }

  /**
   * Adds (or replaces) a buffer: state that is not trained but moves and saves with the module
   * (BatchNorm's running statistics). Non-persistent buffers are left out of `stateDict`.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    this.#checkName("registerBuffer", name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new Error(`registerBuffer: ${this.constructor.name}.${name} must be a Tensor or null, got ${describe(tensor)}`);
    if (tensor) keep(tensor);
    this.#buffers.set(name, persistent);
    this.#props()[name] = tensor;
  }

  /** Adds (or replaces) a submodule as property `name`. */
  registerModule(name: string, module: AnyModule | null): void {
    this.#checkName("registerModule", name);
    if (module !== null && !(module instanceof Module)) throw new Error(`registerModule: ${this.constructor.name}.${name} must be a Module, got ${describe(module)}`);
    this.#buffers.delete(name);
    this.#props()[name] = module;
  }

  /** Sets a keyed entry (for containers, whose keys such as "0" are not properties). */
  protected setItem(name: string, value: Slot): void {
    if (name === "" || name.includes(".")) throw new Error(`${this.constructor.name}: key must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    if (Object.hasOwn(this, name)) throw new Error(`${this.constructor.name}: key "${name}" clashes with a property of the same name`);
    this.#items.set(name, value);
  }

  protected getItem(name: string): Slot | undefined {
    return this.#items.get(name);
  }

  protected deleteItem(name: string): boolean {
    return this.#items.delete(name);
  }

  protected clearItems(): void {
    this.#items.clear();
  }

  /** The keyed entries, in insertion order. */
  protected itemEntries(): [string, Slot][] {
    return [...this.#items];
  }

  #props(): Record<string, unknown> {
    return this as unknown as Record<string, unknown>;
  }

  #checkName(op: string, name: string): void {
    const cls = this.constructor.name;
    if (typeof name !== "string" || name === "" || name.includes(".")) throw new Error(`${op}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    if (this.#items.has(name)) throw new Error(`${op}: ${cls} already has a keyed entry "${name}"`);
    if (!Object.hasOwn(this, name)) {
      if (name in this) throw new Error(`${op}: "${name}" would hide ${cls}.${name}; choose another name`);
      return;
    }
    const v = this.#props()[name];
    if (v !== undefined && v !== null && !(v instanceof Tensor) && !(v instanceof Module)) {
      throw new Error(`${op}: ${cls}.${name} already exists and holds ${describe(v)}, not a parameter, buffer or module`);
    }
  }

  /** This module's own parameters, buffers and children, in definition order. */
  #entries(): Entry[] {
    const out: Entry[] = [];
    const props = this.#props();
    const add = (name: string, v: unknown): void => {
      if (this.#buffers.has(name) && v instanceof Tensor) out.push({ name, kind: "buffer", value: v, persistent: this.#buffers.get(name) === true });
      else if (v instanceof Parameter) out.push({ name, kind: "param", value: v });
      else if (v instanceof Module) out.push({ name, kind: "module", value: v as AnyModule });
      else if (Array.isArray(v) && v.some((e) => e instanceof Module || e instanceof Parameter)) {
        // a plain array hides its contents from parameters() and stateDict(): a silent "nothing trains" bug
        throw new Error(`${this.constructor.name}.${name} is a plain array of modules or parameters; use a ModuleList so they are registered`);
      }
    };
    for (const name of Object.keys(props)) add(name, props[name]);
    for (const [name, v] of this.#items) add(name, v);
    return out;
  }

  #setEntry(name: string, value: Tensor): void {
    if (this.#items.has(name)) this.#items.set(name, value as Parameter);
    else this.#props()[name] = value;
  }

  // ------------------------------------------------------------------ traversal

  /** Every module in the tree, this one first, each once, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const walk = (m: AnyModule, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const e of m.#entries()) if (e.kind === "module") walk(e.value, p ? `${p}.${e.name}` : e.name);
    };
    walk(this as unknown as AnyModule, prefix);
    return out;
  }

  /** Every module in the tree, this one first. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Direct submodules with their names (each module once). */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    const out: [string, AnyModule][] = [];
    for (const e of this.#entries()) {
      if (e.kind !== "module" || seen.has(e.value)) continue;
      seen.add(e.value);
      out.push([e.name, e.value]);
    }
    return out;
  }

  /** Direct submodules. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  #namedMembers<T extends Tensor>(kind: "param" | "buffer", prefix: string, recurse: boolean): [string, T][] {
    const mods: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this as unknown as AnyModule]];
    const seen = new Set<Tensor>();
    const out: [string, T][] = [];
    for (const [p, m] of mods) {
      for (const e of m.#entries()) {
        if (e.kind !== kind || seen.has(e.value)) continue;
        seen.add(e.value);
        out.push([p ? `${p}.${e.name}` : e.name, e.value as T]);
      }
    }
    return out;
  }

  /**
   * Parameters with dotted names (`0.weight`), module by module (each module's own first, then its
   * children's, as PyTorch); a parameter shared by two modules is listed once.
   */
  namedParameters(prefix = "", recurse = true): [string, Parameter][] {
    return this.#namedMembers<Parameter>("param", prefix, recurse);
  }

  /** Every parameter of the tree (what an optimizer takes). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters("", recurse).map(([, p]) => p);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(prefix = "", recurse = true): [string, Tensor][] {
    return this.#namedMembers<Tensor>("buffer", prefix, recurse);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers("", recurse).map(([, b]) => b);
  }

  /** The submodule at a dotted path ("encoder.fc1"); "" is this module. */
  getSubmodule(path: string): AnyModule {
    let m = this as unknown as AnyModule;
    if (path === "") return m;
    let walked = "";
    for (const part of path.split(".")) {
      const next = m.#entries().find((e) => e.kind === "module" && e.name === part);
      if (!next) throw new Error(`getSubmodule: ${walked ? `"${walked}" (${m.constructor.name})` : m.constructor.name} has no submodule "${part}"`);
      m = next.value as AnyModule;
      walked = walked ? `${walked}.${part}` : part;
    }
    return m;
  }

  /** Number of parameter elements (each shared parameter counted once). */
  numParameters(trainableOnly = false): number {
    return this.parameters().reduce((n, p) => n + (trainableOnly && !p.requiresGrad ? 0 : p.size), 0);
  }

  // ------------------------------------------------------------------ modes and state

  /** Sets training mode on this module and every submodule. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, BatchNorm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Freezes (`false`) or unfreezes every parameter. */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad_(on);
    return this;
  }

  /** Clears gradients: disposes and nulls them (`setToNone`, the default, as PyTorch) or zeroes them in place. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else noGrad(() => p.grad!.zero_());
    }
  }

  /** Calls fn on every submodule (children first) and then on this module. */
  apply(fn: (module: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this as unknown as AnyModule);
    return this;
  }

  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's order (a module's own parameters,
   * then its buffers, then its children's state). The tensors are the module's own (no copies):
   * read or save them, but do not dispose them. A module reachable by two paths appears under both.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const path = new Set<AnyModule>();
    const collect = (m: AnyModule, prefix: string): void => {
      if (path.has(m)) throw new Error(`stateDict: module cycle: ${m.constructor.name} at "${prefix}" contains itself`);
      path.add(m);
      // PyTorch's order: own parameters, own buffers, then each child's state
      const entries = m.#entries();
      for (const e of entries) if (e.kind === "param") out[prefix + e.name] = e.value;
      for (const e of entries) if (e.kind === "buffer" && e.persistent) out[prefix + e.name] = e.value;
      for (const e of entries) if (e.kind === "module") collect(e.value, `${prefix}${e.name}.`);
      path.delete(m);
    };
    collect(this as unknown as AnyModule, "");
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers (moving them to the
   * module's device if needed). Every key is checked before anything is copied: a shape or dtype
   * mismatch always fails, naming the key and both shapes; missing and unexpected keys fail when
   * `strict` (the default) and are returned otherwise.
   */
  loadStateDict(state: StateDict | ReadonlyMap<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const given: ReadonlyMap<string, unknown> = state instanceof Map ? state : new Map(Object.entries(state));
    const missingKeys = Object.keys(own).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !Object.hasOwn(own, k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(", ")}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(", ")}`);
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, dst] of Object.entries(own)) {
      if (!given.has(key)) continue;
      const src = given.get(key);
      if (!(src instanceof Tensor)) problems.push(`${key}: expected a Tensor, got ${describe(src)}`);
      else if (src.isDisposed) problems.push(`${key}: the given tensor was disposed`);
      else if (!shapeEquals(src.shape, dst.shape)) problems.push(`size mismatch for ${key}: state dict has ${fmtShape(src.shape)}, model has ${fmtShape(dst.shape)}`);
      else if (src.dtype !== dst.dtype) problems.push(`dtype mismatch for ${key}: state dict has ${src.dtype}, model has ${dst.dtype}`);
      else pairs.push([dst, src]);
    }
    if (problems.length) throw new Error(`loadStateDict: cannot load into ${this.constructor.name}:\n  ${problems.join("\n  ")}`);
    noGrad(() => {
      for (const [dst, src] of pairs) {
        if (dst === src) continue;
        const s = src.device === dst.device ? src : toDevice(src, dst.device);
        dst.copy_(s);
        if (s !== src) s.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Moves every parameter and buffer (and gradient) to `device`. Parameters are replaced by new ones
   * on the device, so build optimizers after calling `to`, as PyTorch recommends.
   */
  to(device: Device): this {
    const moved = new Map<Tensor, Tensor>();
    const move = (t: Tensor, kind: "param" | "buffer"): Tensor => {
      let m = moved.get(t);
      if (m) return m;
      const data = noGrad(() => toDevice(t, device));
      m = kind === "param" ? Parameter.adopt(data, t.requiresGrad) : keep(data);
      if (t.grad) m.grad = noGrad(() => toDevice(t.grad!, device));
      moved.set(t, m);
      return m;
    };
    for (const mod of this.modules()) {
      for (const e of mod.#entries()) {
        if (e.kind === "module" || e.value.device === device) continue;
        mod.#setEntry(e.name, move(e.value, e.kind));
      }
    }
    for (const old of moved.keys()) {
      old.grad?.dispose();
      old.dispose();
    }
    return this;
  }

  /** Frees every parameter, gradient and buffer of the tree. The module is unusable afterwards. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) {
      t.grad?.dispose();
      t.grad = null;
      t.dispose();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ------------------------------------------------------------------ config and printing

  /**
   * The architecture as plain JSON (`{type: "Linear", inFeatures, outFeatures, bias}`), from which
   * `moduleFromConfig` rebuilds this module. Layers override it; a custom module that should be
   * rebuildable overrides it and registers a factory with `registerLayer`.
   */
  getConfig(): LayerConfig {
    throw new Error(`${this.constructor.name} has no getConfig(); override it and registerLayer("${this.constructor.name}", factory) to make it rebuildable from JSON`);
  }

  /** The text between the parentheses in `toString()`; by default the config's scalar fields. */
  extraRepr(): string {
    let config: LayerConfig;
    try {
      config = this.getConfig();
    } catch {
      return "";
    }
    const nested = (v: JsonValue): boolean => (v !== null && typeof v === "object" && !Array.isArray(v)) || (Array.isArray(v) && v.some((x) => x !== null && typeof x === "object"));
    return Object.entries(config)
      .filter(([k, v]) => k !== "type" && !nested(v))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(", ");
  }

  /** A PyTorch-style tree: `Sequential(\n  (0): Linear(inFeatures=4, ...)\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const kids = this.#entries().filter((e) => e.kind === "module");
    if (kids.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = [`${this.constructor.name}(`];
    if (extra) lines.push(`  ${extra}`);
    for (const k of kids) lines.push(`  (${k.name}): ${k.value.toString().replace(/\n/g, "\n  ")}`);
    lines.push(")");
    return lines.join("\n");
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Tensor) return `a Tensor ${fmtShape(v.shape)}`;
  if (typeof v === "object") return v.constructor === Object || !v.constructor ? "a plain object" : `a ${v.constructor.name}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Runs `module.forward(...args)` with some parameters or buffers replaced by the given tensors (by
 * dotted name), then puts the originals back — torch.func.functional_call. Gradients then flow to
 * the given tensors, which is how a module is differentiated with respect to arbitrary inputs.
 */
export function functionalCall<I extends unknown[], O>(module: Module<I, O>, tensors: StateDict | ReadonlyMap<string, Tensor>, ...args: I): O {
  const swaps = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const known = new Set([...Object.keys(module.stateDict()), ...module.namedBuffers().map(([k]) => k)]);
  const restore: [Record<string, unknown>, string, unknown][] = [];
  try {
    for (const [key, t] of swaps) {
      if (!known.has(key)) throw new Error(`functionalCall: ${module.constructor.name} has no parameter or buffer "${key}"`);
      const dot = key.lastIndexOf(".");
      const owner = module.getSubmodule(dot < 0 ? "" : key.slice(0, dot)) as unknown as Record<string, unknown>;
      const attr = key.slice(dot + 1);
      if (!Object.hasOwn(owner, attr)) throw new Error(`functionalCall: "${key}" is a keyed container entry, which cannot be substituted`);
      restore.push([owner, attr, owner[attr]]);
      owner[attr] = t;
    }
    return module.forward(...args);
  } finally {
    for (const [owner, attr, v] of restore.reverse()) owner[attr] = v;
  }
}
