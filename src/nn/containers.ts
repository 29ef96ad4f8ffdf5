// Containers: Sequential (a chain), ModuleList and ModuleDict (registered collections), and Residual.
import { isGradEnabled } from "../autograd/grad-mode.js";
import { add } from "../tensor/ops/elementwise.js";
import { scope } from "../tensor/scope.js";
import { fmtShape, ShapeError, shapeEquals } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, moduleFromConfig, registerLayer, type LayerConfig } from "./config.js";
import { Module, type AnyModule } from "./module.js";

function checkModule(where: string, m: unknown): void {
  if (m instanceof Module) return;
  const got = m === null ? "null" : typeof m !== "object" ? typeof m : m.constructor === Object ? "a plain object" : `a ${m.constructor?.name ?? "object"}`;
  throw new Error(`${where}: expected a Module, got ${got}`);
}

function normIndex(where: string, index: number, length: number): number {
  const i = index < 0 ? index + length : index;
  if (!Number.isInteger(index) || i < 0 || i >= length) throw new RangeError(`${where}: index ${index} out of range for ${length} modules`);
  return i;
}

/**
 * Runs its layers in order, each one's output feeding the next. Children are named "0", "1", ...
 * (state dict keys `0.weight`, ...). Under noGrad the intermediate outputs are freed as it goes.
 */
export class Sequential extends Module {
  constructor(...layers: Module[]) {
    super();
    for (const l of layers) this.append(l);
  }

  /** Adds a layer at the end. */
  append(layer: Module): this {
    checkModule("Sequential.append", layer);
    this.setItem(String(this.length), layer as unknown as AnyModule);
    return this;
  }

  /** Number of layers. */
  get length(): number {
    return this.itemEntries().length;
  }

  /** The layer at `index` (negative counts from the end). */
  at(index: number): Module {
    const items = this.itemEntries();
    return items[normIndex("Sequential.at", index, items.length)][1] as unknown as Module;
  }

  /** The layers in order. */
  layers(): Module[] {
    return this.itemEntries().map(([, m]) => m as unknown as Module);
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers()[Symbol.iterator]();
  }

  override forward(x: Tensor): Tensor {
    const run = (): Tensor => this.layers().reduce((y, layer) => layer.call(y), x);
    return isGradEnabled() ? run() : scope(run);
  }

  override getConfig(): LayerConfig {
    return { type: "Sequential", layers: this.layers().map((l) => l.getConfig()) };
  }
}

/** A list of submodules that are registered (their parameters train and save); it has no forward. */
export class ModuleList<M extends AnyModule = Module> extends Module<[], never> {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Adds a module at the end. */
  append(module: M): this {
    checkModule("ModuleList.append", module);
    this.setItem(String(this.length), module);
    return this;
  }

  /** Appends every module of `modules`. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  get length(): number {
    return this.itemEntries().length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const items = this.itemEntries();
    return items[normIndex("ModuleList.at", index, items.length)][1] as M;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.itemEntries().map(([, m]) => m as M)[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error("ModuleList has no forward(); iterate it and call its modules");
  }

  override getConfig(): LayerConfig {
    return { type: "ModuleList", modules: [...this].map((m) => m.getConfig()) };
  }
}

/** Submodules by name, in insertion order (state dict keys `name.weight`); it has no forward. */
export class ModuleDict<M extends AnyModule = Module> extends Module<[], never> {
  /** From [key, module] pairs (order kept) or an object (JavaScript puts integer-like keys first). */
  constructor(modules?: Iterable<readonly [string, M]>);
  constructor(modules: Record<string, M>);
  constructor(modules: Record<string, M> | Iterable<readonly [string, M]> = []) {
    super();
    const entries = Symbol.iterator in modules ? (modules as Iterable<readonly [string, M]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Adds or replaces the module under `key` (a non-empty name without "."). */
  set(key: string, module: M): this {
    checkModule(`ModuleDict.set("${key}")`, module);
    this.setItem(key, module);
    return this;
  }

  get(key: string): M | undefined {
    return (this.getItem(key) ?? undefined) as M | undefined;
  }

  has(key: string): boolean {
    return this.getItem(key) !== undefined;
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    return this.deleteItem(key);
  }

  keys(): string[] {
    return this.itemEntries().map(([k]) => k);
  }

  values(): M[] {
    return this.itemEntries().map(([, m]) => m as M);
  }

  entries(): [string, M][] {
    return this.itemEntries().map(([k, m]) => [k, m as M]);
  }

  get size(): number {
    return this.itemEntries().length;
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.entries()[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error("ModuleDict has no forward(); look its modules up by name and call them");
  }

  override getConfig(): LayerConfig {
    // a list of pairs, not an object: object keys like "0" would be reordered by JSON round trips
    return { type: "ModuleDict", modules: this.entries().map(([k, m]) => [k, m.getConfig()]) };
  }
}

/** x + body(x): a skip connection around `body`, which must keep the shape. */
export class Residual extends Module {
  body: Module;

  constructor(body: Module) {
    super();
    checkModule("Residual", body);
    this.body = body;
  }

  override forward(x: Tensor): Tensor {
    const run = (): Tensor => {
      const y = this.body.call(x);
      if (!shapeEquals(y.shape, x.shape)) {
        throw new ShapeError(`Residual(${this.body.constructor.name})`, `body maps ${fmtShape(x.shape)} to ${fmtShape(y.shape)}; a residual needs the shape kept`);
      }
      return add(x, y);
    };
    return isGradEnabled() ? run() : scope(run);
  }

  override getConfig(): LayerConfig {
    return { type: "Residual", body: this.body.getConfig() };
  }
}

registerLayer("Sequential", (c) => new Sequential(...new ConfigReader(c).layers("layers").map((l) => moduleFromConfig<Module>(l))));
registerLayer("ModuleList", (c) => new ModuleList(new ConfigReader(c).layers("modules").map((l) => moduleFromConfig(l))));
registerLayer("ModuleDict", (c) => new ModuleDict(new ConfigReader(c).namedLayers("modules").map(([k, l]): [string, AnyModule] => [k, moduleFromConfig(l)])));
registerLayer("Residual", (c) => new Residual(moduleFromConfig<Module>(new ConfigReader(c).layer("body"))));
