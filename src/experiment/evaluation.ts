// The evaluation a training run stores as its `evaluation.json` artifact: held-out metrics plus the
// curves and matrices the dashboard draws (confusion matrix, ROC, precision-recall).

/** The artifact name under which a run stores its RunEvaluation. */
export const EVALUATION_ARTIFACT = "evaluation.json";

/** A run's held-out evaluation. Curves are down-sampled to at most a few hundred points. */
export interface RunEvaluation {
  /** Which split was scored, e.g. "test". */
  split: string;
  task: "binary" | "multiclass" | "regression";
  /** Scalar metrics by name (accuracy, precision, recall, f1, rocAuc, mse, r2, ...). */
  metrics: Record<string, number>;
  /** Class names in label order (classification). */
  classes?: string[];
  /** confusionMatrix[true][predicted] counts (classification). */
  confusionMatrix?: number[][];
  /** Binary ROC curve. */
  roc?: { fpr: number[]; tpr: number[]; auc: number };
  /** Binary precision-recall curve. */
  pr?: { recall: number[]; precision: number[]; averagePrecision: number };
}
