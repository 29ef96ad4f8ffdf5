// #/models: the registered models with their latest version and aliases.
import { api } from "../api.js";
import { badge, card, h, table } from "../dom.js";
import { when } from "../format.js";
import type { Page } from "../router.js";

/** The model list. */
export const modelsPage: Page = async (root) => {
  const { models } = await api.models();
  root.append(
    h("h1", {}, "Models"),
    card(`${models.length} registered model${models.length === 1 ? "" : "s"}`,
      models.length === 0
        ? h("p", { class: "muted" }, "No models yet. Register one with `ingot train` or registry.registerModel().")
        : table(["Model", "Versions", "Latest", "Aliases", "Created", ""], models.map((m) => [
          h("a", { href: `#/models/${encodeURIComponent(m.name)}` }, m.name),
          m.versionCount,
          m.latestVersion ?? "—",
          h("span", {}, Object.entries(m.aliases).map(([a, v]) => badge(`${a} → v${v}`, "alias"))),
          when(m.createdAt),
          h("a", { href: `#/monitor/${encodeURIComponent(m.name)}` }, "monitor"),
        ]), { class: "models" })),
  );
};
