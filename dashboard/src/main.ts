// The dashboard's entry: styles, the page table and the router.
import "./style.css";
import { ApiError, readKey } from "./api.js";
import { errorBox, h } from "./dom.js";
import { comparePage } from "./pages/compare.js";
import { dataPage } from "./pages/data.js";
import { modelPage } from "./pages/model.js";
import { modelsPage } from "./pages/models.js";
import { monitorPage } from "./pages/monitor.js";
import { runPage } from "./pages/run.js";
import { runsPage } from "./pages/runs.js";
import { startRouter, type Page } from "./router.js";

/** The server has API keys and this browser sent none (or a bad one): ask for one, then show the page. */
function signIn(root: HTMLElement, err: ApiError): void {
  const input = h("input", { type: "password", name: "apiKey", placeholder: "ingot_…", autocomplete: "off", required: true });
  const form = h("form", { class: "sign-in" }, h("label", {}, "API key ", input), h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    readKey.set(input.value.trim());
    window.dispatchEvent(new HashChangeEvent("hashchange")); // the router renders the page again
  });
  root.replaceChildren(
    h("h1", {}, "Sign in"),
    h("p", {}, "This server needs an API key to show its runs, models, data and monitoring. Any key will do (", h("code", {}, "ingot keys create"), "); promoting and rolling back need an admin key."),
    ...(readKey.get() ? [errorBox(err.describe())] : []),
    form,
  );
}

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
    if (err instanceof ApiError && err.status === 401) return signIn(root, err);
    root.replaceChildren(h("h1", {}, "Something went wrong"), errorBox(err instanceof ApiError ? err.describe() : String((err as Error)?.message ?? err)));
  },
);
