import type { Backend } from "../backend.js";
import * as memory from "./memory.js";
import * as elementwise from "./elementwise.js";
import * as reduction from "./reduce.js";
import * as indexing from "./indexing.js";
import * as norm from "./norm.js";
import * as conv from "./conv.js";
import { matmul } from "./matmul.js";
import { adamStep } from "./optim.js";

/** Pure TypeScript kernels: always available, and the reference every other backend is tested against. */
export class JsBackend implements Backend {
  readonly name: string = "js";
  readonly device = "cpu" as const;
  alloc = memory.alloc;
  release = memory.release;
  upload = memory.upload;
  download = memory.download;
  fill = memory.fill;
  cast = memory.cast;
  copyStrided = memory.copyStrided;
  unary = elementwise.unary;
  unaryGrad = elementwise.unaryGrad;
  binary = elementwise.binary;
  binaryScalar = elementwise.binaryScalar;
  where = elementwise.where;
  reduce = reduction.reduce;
  argReduce = reduction.argReduce;
  cumsum = reduction.cumsum;
  sort = reduction.sort;
  matmul = matmul;
  gather = indexing.gather;
  scatterAdd = indexing.scatterAdd;
  indexSelect = indexing.indexSelect;
  indexAdd = indexing.indexAdd;
  softmax = norm.softmax;
  softmaxGrad = norm.softmaxGrad;
  layerNorm = norm.layerNorm;
  layerNormGrad = norm.layerNormGrad;
  im2col = conv.im2col;
  col2im = conv.col2im;
  maxPool2d = conv.maxPool2d;
  maxPool2dGrad = conv.maxPool2dGrad;
  avgPool2d = conv.avgPool2d;
  avgPool2dGrad = conv.avgPool2dGrad;
  adaptiveAvgPool2d = conv.adaptiveAvgPool2d;
  adaptiveAvgPool2dGrad = conv.adaptiveAvgPool2dGrad;
  adamStep = adamStep;
}
