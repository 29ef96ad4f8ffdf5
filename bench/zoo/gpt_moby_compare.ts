// Plots Ingot's and PyTorch's validation curves from a gpt-moby run (metrics.json + torch-metrics.json,
// the latter written by gpt_moby_torch.py) and prints the loss and training-time ratios as one JSON line.
//   npx tsx bench/zoo/gpt_moby_compare.ts [out/examples/gpt-moby]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { linePlot, savePlot } from "../../src/plot/index.js";

interface Curve {
  curve: { step: number; valLoss: number }[];
  finalValLoss: number;
  trainSeconds: number;
}

const dir = process.argv[2] ?? join("out", "examples", "gpt-moby");
const read = (f: string): Curve => {
  try {
    return JSON.parse(readFileSync(join(dir, f), "utf8")) as Curve;
  } catch (e) {
    console.error(`gpt_moby_compare: cannot read ${join(dir, f)} (${(e as Error).message}); run the example and gpt_moby_torch.py first`);
    process.exit(1);
  }
};
const ingot = read("metrics.json");
const torch = read("torch-metrics.json");
const torchAt = new Map(torch.curve.map((p) => [p.step, p.valLoss]));
const steps = ingot.curve.filter((p) => torchAt.has(p.step));
const ratios = steps.map((p) => p.valLoss / (torchAt.get(p.step) as number));
await savePlot(join(dir, "ingot-vs-torch.svg"), linePlot({
  title: "gpt-moby validation loss: Ingot vs PyTorch (same init, same batches)", xLabel: "step", yLabel: "val cross-entropy (nats)",
  series: [
    { name: "Ingot", x: ingot.curve.map((p) => p.step), y: ingot.curve.map((p) => p.valLoss) },
    { name: "PyTorch", x: torch.curve.map((p) => p.step), y: torch.curve.map((p) => p.valLoss), dashed: true },
  ],
}));
console.log(JSON.stringify({
  steps: steps.map((p) => p.step),
  ingotVal: steps.map((p) => p.valLoss),
  torchVal: steps.map((p) => torchAt.get(p.step)),
  maxValRatioDeviation: Math.max(...ratios.map((r) => Math.abs(r - 1))),
  finalValRatio: ingot.finalValLoss / torch.finalValLoss,
  trainTimeRatio: ingot.trainSeconds / torch.trainSeconds,
}));
