// #/runs: every run in a table, filtered by experiment and status, ordered by any metric; tick runs to compare.
import { api, type RunFilter } from "../api.js";
import { badge, card, h, table } from "../dom.js";
import { duration, num, when } from "../format.js";
import { go, type Page } from "../router.js";

/** The runs list. Filters live in the hash query so a filtered view can be bookmarked. */
export const runsPage: Page = async (root, { query }) => {
  const filter: RunFilter = {
    experiment: query.get("experiment") ?? undefined,
    status: query.get("status") ?? undefined,
    orderBy: query.get("orderBy") ?? undefined,
    order: query.get("order") === "asc" ? "asc" : undefined,
  };
  const [{ experiments }, { runs }] = await Promise.all([api.experiments(), api.runs(filter)]);
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort().slice(0, 5);

  const apply = (change: Partial<Record<keyof RunFilter, string>>): void => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    go(`#/runs${next.size ? `?${next}` : ""}`);
  };
  const select = (name: keyof RunFilter, label: string, options: [string, string][], value: string | undefined): HTMLElement =>
    h("label", {}, label, h("select", { name, onchange: (e: Event) => apply({ [name]: (e.target as HTMLSelectElement).value }) },
      options.map(([v, text]) => h("option", { value: v, selected: v === (value ?? "") }, text))));

  const selected = new Set<string>();
  const compareButton = h("button", { type: "button", disabled: true, onclick: () => go(`#/compare?ids=${[...selected].join(",")}`) }, "Compare selected");
  const tick = (id: string) => (e: Event): void => {
    if ((e.target as HTMLInputElement).checked) selected.add(id);
    else selected.delete(id);
    compareButton.toggleAttribute("disabled", selected.size < 2);
    compareButton.textContent = `Compare selected (${selected.size})`;
  };

  root.append(
    h("h1", {}, "Runs"),
    h("form", { class: "filters", onsubmit: (e: Event) => e.preventDefault() },
      select("experiment", "Experiment", [["", "all"], ...experiments.map((x): [string, string] => [x.name, x.name])], filter.experiment),
      select("status", "Status", [["", "any"], ["running", "running"], ["finished", "finished"], ["failed", "failed"], ["killed", "killed"]], filter.status),
      select("orderBy", "Order by", [["", "newest first"], ...metricKeys.map((k): [string, string] => [`metric:${k}`, k])], filter.orderBy),
      filter.orderBy ? select("order", "", [["", "descending"], ["asc", "ascending"]], filter.order) : null,
      compareButton),
    card(`${runs.length} run${runs.length === 1 ? "" : "s"}`,
      runs.length === 0
        ? h("p", { class: "muted" }, "No runs match. Train one with `ingot train`.")
        : table(["", "Run", "Experiment", "Status", "Started", "Duration", ...metricKeys], runs.map((r) => [
          h("input", { type: "checkbox", "aria-label": `select ${r.name ?? r.id}`, "data-run": r.id, onchange: tick(r.id) }),
          h("a", { href: `#/runs/${r.id}` }, r.name ?? r.id.slice(0, 8)),
          r.experiment,
          badge(r.status),
          when(r.startTime),
          duration(r.startTime, r.endTime),
          ...metricKeys.map((k) => h("span", { class: "num" }, num(r.metrics[k]))),
        ]), { class: "runs" })),
  );
};
