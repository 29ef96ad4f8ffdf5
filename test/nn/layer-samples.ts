// One instance of every basic layer type with an input for it, shared by the config round trip
// (test/nn/config.test.ts) and the model-directory round trip (test/io/model-dir-layers.test.ts).
import { randint, randn, type Tensor } from "../../src/index.js";
import {
  AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Bilinear, Conv1d, Conv2d, ConvTranspose1d,
  ConvTranspose2d, Dropout, ELU, Embedding, Flatten, GELU, Identity, LayerNorm, LeakyReLU, Linear, LogSoftmax, MaxPool1d,
  MaxPool2d, Module, ModuleDict, ModuleList, ReLU, Residual, RMSNorm, Sequential, Sigmoid, SiLU, Softmax, Tanh, type AnyModule,
} from "../../src/nn/index.js";

/** One instance of every layer type, with non-default options, and an input for it. */
export function samples(): [AnyModule, () => Tensor[]][] {
  const img = (): Tensor[] => [randn([2, 4, 6, 6])];
  const seq = (): Tensor[] => [randn([2, 4, 9])];
  const vec = (): Tensor[] => [randn([3, 6])];
  const m = (x: Module | Module<[Tensor, Tensor], Tensor> | Module<[], never>): AnyModule => x as unknown as AnyModule;
  return [
    [m(new Linear(6, 3, { bias: false })), vec],
    [m(new Bilinear(6, 2, 3)), () => [randn([3, 6]), randn([3, 2])]],
    [m(new Conv1d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 })), seq],
    [m(new Conv2d(4, 2, [3, 2], { stride: [1, 2], padding: [1, 0], dilation: 1, bias: false })), img],
    [m(new Conv2d(4, 2, 3, { padding: "same" })), img],
    [m(new ConvTranspose1d(4, 2, 3, { stride: 2, outputPadding: 1 })), seq],
    [m(new ConvTranspose2d(4, 6, [2, 3], { stride: 2, padding: [0, 1], groups: 2 })), img],
    [m(new MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true })), seq],
    [m(new MaxPool2d([2, 3], { dilation: [1, 2] })), img],
    [m(new AvgPool1d(2, { countIncludePad: false })), seq],
    [m(new AvgPool2d(3, { stride: 1, padding: 1 })), img],
    [m(new AdaptiveAvgPool1d(4)), seq],
    [m(new AdaptiveAvgPool2d([3, null])), img],
    [m(new BatchNorm1d(6, { momentum: null, eps: 1e-3 })), vec],
    [m(new BatchNorm2d(4, { affine: false })), img],
    [m(new LayerNorm([6], { eps: 1e-6, bias: false })), vec],
    [m(new RMSNorm(6, { eps: 1e-4 })), vec],
    [m(new Dropout(0.3)), vec],
    [m(new Embedding(10, 3, { paddingIdx: 0 })), () => [randint(0, 10, [2, 5])]],
    [m(new Flatten(0)), img],
    [m(new Identity()), vec],
    [m(new ReLU()), vec],
    [m(new LeakyReLU(0.1)), vec],
    [m(new GELU("tanh")), vec],
    [m(new SiLU()), vec],
    [m(new Sigmoid()), vec],
    [m(new Tanh()), vec],
    [m(new ELU(0.5)), vec],
    [m(new Softmax(0)), vec],
    [m(new LogSoftmax(1)), vec],
    [m(new Residual(new Sequential(new Linear(6, 6), new Tanh()))), vec],
    [m(new Sequential(new Conv2d(4, 3, 3), new BatchNorm2d(3), new ReLU(), new Flatten(), new Linear(48, 2))), img],
    [m(new ModuleList([new Linear(2, 2), new Sequential(new Identity())])), () => []],
    [m(new ModuleDict<Module>([["b", new Linear(2, 3)], ["0", new LayerNorm(3)]])), () => []],
  ];
}

