// The dashboard's entry: styles, the page table and the router.
import "./style.css";
import { ApiError } from "./api.js";
import { errorBox, h } from "./dom.js";
import { comparePage } from "./pages/compare.js";
import { dataPage } from "./pages/data.js";
import { modelPage } from "./pages/model.js";
import { modelsPage } from "./pages/models.js";
import { monitorPage } from "./pages/monitor.js";
import { runPage } from "./pages/run.js";
import { runsPage } from "./pages/runs.js";
import { startRouter, type Page } from "./router.js";

const byParams = (list: Page, one: Page): Page => (root, route) => (route.params.length ? one(root, route) : list(root, route));

startRouter(
  document.getElementById("app")!,
  {
    runs: byParams(runsPage, runPage),
    compare: comparePage,
    models: byParams(modelsPage, modelPage),
    data: dataPage,
    monitor: monitorPage,
  },
  (root, err) => {
    root.replaceChildren(h("h1", {}, "Something went wrong"), errorBox(err instanceof ApiError ? err.describe() : String((err as Error)?.message ?? err)));
  },
);
