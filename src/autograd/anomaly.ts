let detecting = false;

/**
 * NaN/Inf detection mode (torch.autograd.set_detect_anomaly): every op checks its float output and
 * the first op that produces a NaN or Inf throws, naming itself and its input shapes. Slow; for debugging.
 */
export function setDetectAnomaly(on: boolean): void {
  detecting = on;
}

export function isDetectingAnomaly(): boolean {
  return detecting;
}

export function detectAnomaly<T>(fn: () => T): T {
  const prev = detecting;
  detecting = true;
  try {
    return fn();
  } finally {
    detecting = prev;
  }
}

export class AnomalyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnomalyError";
  }
}
