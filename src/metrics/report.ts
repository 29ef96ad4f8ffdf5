// scikit-learn's classification_report: per-class precision/recall/F1/support plus averages, as a
// structured object and as the same fixed-width text.
import { checkLabelList, countPairs } from "./confusion.js";
import type { PredictionOptions } from "./decode.js";
import type { MetricInput } from "./input.js";
import { averagedFromCounts, perClassFromCounts } from "./precision-recall.js";

/** One line of a classification report. */
export interface ReportRow {
  precision: number;
  recall: number;
  f1Score: number;
  support: number;
}

/** One class's line, with its label and display name. */
export interface ClassReportRow extends ReportRow {
  label: number;
  name: string;
}

/** The report's numbers and its text. */
export interface ClassificationReport {
  classes: ClassReportRow[];
  /** Present when every label is reported: micro-averaged F1 over all classes equals accuracy. */
  accuracy?: number;
  /** Present instead of accuracy when `labels` picks a subset of the classes. */
  microAvg?: ReportRow;
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
  /** The report formatted exactly as scikit-learn prints it. */
  text: string;
}

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions extends PredictionOptions {
  /** Classes to report, in this order. Default: sorted union of yTrue and yPred. */
  labels?: readonly number[];
  /** Display names, one per reported label. */
  targetNames?: readonly string[];
  /** Decimal places in the text. Default 2. */
  digits?: number;
  /** Value of an undefined ratio (a class never predicted or never true). Default 0. */
  zeroDivision?: 0 | 1;
}

/**
 * Formats like Python's "{:.Nf}": JavaScript's toFixed rounds exact ties (0.125 → "0.13") away from
 * zero, Python to even ("0.12"); both round the exact binary value otherwise.
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Math.abs(x) >= 1e21) return x.toFixed(digits);
  const exact = Math.abs(x).toFixed(100); // the exact decimal expansion of the double (up to 100 places)
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(rest)) {
    const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, "");
    const lastDigit = Number(kept[kept.length - 1]);
    const sign = x < 0 ? "-" : "";
    if (lastDigit % 2 === 0) return sign + kept; // round half to even: truncate
  }
  return x.toFixed(digits);
}

function rowText(name: string, cells: string[], width: number): string {
  return `${name.padStart(width)} ${cells.map((c) => ` ${c.padStart(9)}`).join("")}\n`;
}

/**
 * A per-class and averaged precision/recall/F1 report (scikit-learn's classification_report). yPred may
 * be labels, [N] probabilities or [N, C] scores.
 */
export function classificationReport(yTrue: MetricInput, yPred: MetricInput, opts: ClassificationReportOptions = {}): ClassificationReport {
  const fn = "classificationReport";
  const counts = countPairs(fn, yTrue, yPred, opts);
  const present = counts.labels();
  if (opts.labels) checkLabelList(fn, opts.labels);
  const labels = opts.labels ? [...opts.labels] : present;
  const digits = opts.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new Error(`${fn}: digits must be an integer in [0, 20], got ${digits}`);
  const names = opts.targetNames ? [...opts.targetNames] : labels.map((l) => String(l));
  if (names.length !== labels.length) {
    throw new Error(`${fn}: ${labels.length} classes but ${names.length} targetNames${opts.labels ? "" : "; pass labels"}`);
  }
  const zeroDivision = opts.zeroDivision ?? 0;
  const per = perClassFromCounts(fn, counts, 1, labels, zeroDivision);
  const classes: ClassReportRow[] = labels.map((label, i) => ({
    label,
    name: names[i],
    precision: per.precision[i],
    recall: per.recall[i],
    f1Score: per.fScore[i],
    support: per.support[i],
  }));
  const supportTotal = per.support.reduce((a, b) => a + b, 0);
  const averaged = (average: "micro" | "macro" | "weighted"): ReportRow => {
    const s = averagedFromCounts(fn, counts, 1, { average, labels, zeroDivision });
    return { precision: s.precision, recall: s.recall, f1Score: s.fScore, support: supportTotal };
  };
  const presentSet = new Set(present);
  const microIsAccuracy = labels.length === presentSet.size && labels.every((l) => presentSet.has(l));
  const micro = averaged("micro");
  const report: Omit<ClassificationReport, "text"> = {
    classes,
    ...(microIsAccuracy ? { accuracy: micro.f1Score } : { microAvg: micro }),
    macroAvg: averaged("macro"),
    weightedAvg: averaged("weighted"),
  };

  const width = Math.max(...names.map((n) => n.length), "weighted avg".length, digits);
  const f = (x: number): string => pyFixed(x, digits);
  let text = rowText("", ["precision", "recall", "f1-score", "support"], width) + "\n";
  for (const c of classes) text += rowText(c.name, [f(c.precision), f(c.recall), f(c.f1Score), String(c.support)], width);
  text += "\n";
  if (microIsAccuracy) text += rowText("accuracy", ["", "", f(micro.f1Score), String(supportTotal)], width);
  else text += rowText("micro avg", [f(micro.precision), f(micro.recall), f(micro.f1Score), String(supportTotal)], width);
  for (const [heading, r] of [["macro avg", report.macroAvg], ["weighted avg", report.weightedAvg]] as const) {
    text += rowText(heading, [f(r.precision), f(r.recall), f(r.f1Score), String(r.support)], width);
  }
  return { ...report, text };
}
