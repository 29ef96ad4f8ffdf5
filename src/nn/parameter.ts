// Parameter: the tensor type a Module treats as trainable state.
import { keep } from "../tensor/scope.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that a Module owns as trainable state (torch.nn.Parameter). It shares storage with the
 * tensor it wraps, requires grad by default, and is kept out of every enclosing `scope()` — module
 * state lives until `module.dispose()`, not until the block that built the model ends.
 */
export class Parameter extends Tensor {
  /** Wraps `data` (sharing its storage; dispose `data` separately if it was a temporary). */
  constructor(data: Tensor, requiresGrad = true) {
    const storage = data.storage;
    storage.refs++;
    super(storage, data.shape, data.dtype);
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** Wraps a freshly made temporary and releases it: the Parameter becomes the storage's only owner. */
  static adopt(data: Tensor, requiresGrad = true): Parameter {
    const p = new Parameter(data, requiresGrad);
    data.dispose();
    return p;
  }
}
