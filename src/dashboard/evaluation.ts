// Reads a run's evaluation.json artifact, checking it against the RunEvaluation contract so the
// dashboard gets either a well-formed evaluation or a sentence saying what is wrong with the file.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { EVALUATION_ARTIFACT, type RunEvaluation } from "../experiment/evaluation.js";
import { fieldPath } from "../serve/errors.js";
import type { RunDetails } from "../registry/types.js";

const numbers = z.array(z.number());

const runEvaluation = z.object({
  split: z.string(),
  task: z.enum(["binary", "multiclass", "regression"]),
  metrics: z.record(z.string(), z.number()),
  classes: z.array(z.string()).optional(),
  confusionMatrix: z.array(numbers).optional(),
  roc: z.object({ fpr: numbers, tpr: numbers, auc: z.number() }).optional(),
  pr: z.object({ recall: numbers, precision: numbers, averagePrecision: z.number() }).optional(),
});

/** A run's evaluation, or why it could not be read; both null when the run has none. */
export interface EvaluationResult {
  evaluation: RunEvaluation | null;
  evaluationError: string | null;
}

/** Loads the run's `evaluation.json` artifact when it logged one. */
export async function readEvaluation(run: RunDetails): Promise<EvaluationResult> {
  const artifact = run.artifacts.find((a) => a.name === EVALUATION_ARTIFACT);
  if (!artifact) return { evaluation: null, evaluationError: null };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(artifact.path, "utf8"));
  } catch (err) {
    return { evaluation: null, evaluationError: `${EVALUATION_ARTIFACT}: ${(err as Error).message}` };
  }
  const r = runEvaluation.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { evaluation: null, evaluationError: `${EVALUATION_ARTIFACT}: ${fieldPath(issue.path)}: ${issue.message}` };
  }
  return { evaluation: r.data, evaluationError: null };
}
