// A compressed-sparse-row matrix: bag-of-words and TF-IDF rows are mostly zeros, so they stay in this form
// until a dense tensor is asked for.
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";

/** CSR: row i's non-zeros are data[indptr[i]..indptr[i+1]) at columns indices[...] (ascending). */
export class CsrMatrix {
  constructor(
    readonly numRows: number,
    readonly numCols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly data: Float64Array,
  ) {
    if (indptr.length !== numRows + 1) throw new RangeError(`CsrMatrix: indptr needs ${numRows + 1} entries, got ${indptr.length}`);
    if (indices.length !== data.length || indptr[numRows] !== data.length) throw new RangeError("CsrMatrix: indices, data and indptr[numRows] must agree on the number of non-zeros");
  }

  /** Number of stored non-zeros. */
  get nnz(): number {
    return this.data.length;
  }

  /** Entry (i, j). */
  get(i: number, j: number): number {
    for (let k = this.indptr[i]; k < this.indptr[i + 1]; k++) if (this.indices[k] === j) return this.data[k];
    return 0;
  }

  /** A float32 [numRows, numCols] tensor. */
  toDense(): Tensor {
    const out = new Float32Array(this.numRows * this.numCols);
    for (let i = 0; i < this.numRows; i++) {
      for (let k = this.indptr[i]; k < this.indptr[i + 1]; k++) out[i * this.numCols + this.indices[k]] = this.data[k];
    }
    return tensor(out, { shape: [this.numRows, this.numCols] });
  }
}
