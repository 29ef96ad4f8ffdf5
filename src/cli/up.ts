import type { Command } from "commander";
import { builtinSpecPath, closeOnSignal, ensureModel, openPlatformRegistry, startPlatform } from "../platform/index.js";
import { apiKeysPath, openApiKeys } from "../serve/auth/index.js";
import { addServeFlags, platformOptions, type ServeFlags } from "./serve-options.js";

interface UpFlags extends ServeFlags {
  spec?: string;
  retrain?: boolean;
  quick?: boolean;
}

const EXAMPLE_TEXT = "Congratulations! You have WON a FREE cruise. Click here now to claim your prize";

/** Creates the quick start's two keys when the key file has none; returns their tokens (shown once). */
async function firstKeys(root: string): Promise<{ predict: string; admin: string } | null> {
  const keys = await openApiKeys(apiKeysPath(root));
  if ((await keys.list()).length > 0) return null;
  const predict = await keys.create({ name: "quickstart-predict", scopes: ["predict"] });
  const admin = await keys.create({ name: "quickstart-admin", scopes: ["admin"] });
  return { predict: predict.token, admin: admin.token };
}

/** Adds `ingot up`: train (first time) → register → serve with dashboard and monitoring. */
export function registerUp(program: Command): void {
  addServeFlags(
    program
      .command("up")
      .description("the quick start: train the spam model (first time only), register it as production, serve it with the dashboard")
      .option("--spec <file>", "experiment spec to train and serve (default: the built-in spam spec)")
      .option("--retrain", "train a new version even when one is registered")
      .option("--quick", "train on a reduced data set (seconds; for smoke tests)"),
  ).action(async (flags: UpFlags) => {
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const opts = platformOptions(flags);
    const specPath = flags.spec ?? builtinSpecPath("spam");
    const registry = openPlatformRegistry(opts);
    let model: Awaited<ReturnType<typeof ensureModel>>;
    let tokens: { predict: string; admin: string } | null;
    try {
      model = await ensureModel(registry, { specPath, retrain: flags.retrain ?? false, quick: flags.quick ?? false, progress: true });
      tokens = await firstKeys(registry.root);
    } finally {
      await registry.close();
    }
    if (model.trained) {
      const m = model.result.evaluation.metrics;
      const shown = ["accuracy", "f1", "rocAuc", "r2"].filter((k) => m[k] !== undefined).map((k) => `${k} ${m[k].toFixed(4)}`);
      console.log(`ingot up: trained ${model.model} v${model.version} in ${(model.result.durationMs / 1000).toFixed(1)} s (${shown.join(", ")}), alias ${model.alias}`);
    } else {
      console.log(`ingot up: reusing ${model.model} v${model.version} (${model.alias}) from the registry; --retrain trains a new version`);
    }
    const platform = await startPlatform({ ...opts, log });
    const key = tokens?.predict ?? "$INGOT_KEY";
    const auth = platform.authRequired ? ` -H 'authorization: Bearer ${key}'` : "";
    const body = JSON.stringify({ rows: [{ text: EXAMPLE_TEXT }] });
    console.log(`ingot up: serving ${model.model} v${model.version} on ${platform.url}`);
    console.log(`  dashboard   ${flags.dashboard ? `${platform.url}/` : "off"}`);
    console.log(`  API docs    ${platform.url}/docs`);
    console.log(`  metrics     ${platform.url}/metrics`);
    if (tokens) {
      console.log(`  predict key ${tokens.predict}   (also signs the dashboard in)`);
      console.log(`  admin key   ${tokens.admin}   (promote / roll back in the dashboard)`);
      console.log("  (keys are shown once; only their hashes are stored, in api-keys.json)");
    } else if (platform.authRequired) {
      console.log("  API keys    required: use yours, or make one with `ingot keys create --name me --scope predict`");
    }
    console.log("try:");
    console.log(`  curl -s ${platform.url}/v1/models/${model.model}/predict${auth} -H 'content-type: application/json' -d '${body}'`);
    console.log(`  curl -s ${platform.url}/v1/models${auth}`);
    console.log(`  npx ingot monitor ${model.model}      npx ingot models rollback ${model.model}`);
    await closeOnSignal(platform, log);
  });
}
