/**
 * A safetensors file or buffer was rejected. The message starts with the source (file path or the
 * name given to parseSafetensors) and names the tensor and the problem.
 */
export class SafetensorsError extends Error {
  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
    this.name = "SafetensorsError";
  }
}

/** A model directory (config.json, model.safetensors, optimizer files) could not be saved or loaded. */
export class ModelDirError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelDirError";
  }
}
