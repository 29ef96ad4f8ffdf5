// #/models/:name: a model's versions with run lineage and notes, its aliases, and promote / roll back
// with an admin API key that stays in this browser's localStorage.
import { adminKey, api, ApiError } from "../api.js";
import { badge, card, errorBox, h, table } from "../dom.js";
import { num, when } from "../format.js";
import type { Page } from "../router.js";
import type { AliasChange, ModelDetailResponse } from "../types.js";

const ALIAS = "production";

/** One model. Every change reloads the page's data from the server, so what is shown is what is stored. */
export const modelPage: Page = async (root, { params: [name] }) => {
  const message = h("div", { class: "message", "aria-live": "polite" });
  const body = h("div");
  const keyInput = h("input", { type: "password", name: "adminKey", placeholder: "paste an admin API key", value: adminKey.get(), autocomplete: "off" });
  keyInput.addEventListener("change", () => adminKey.set(keyInput.value.trim()));

  const act = async (what: () => Promise<AliasChange>, button: HTMLButtonElement): Promise<void> => {
    adminKey.set(keyInput.value.trim());
    button.disabled = true;
    try {
      const c = await what();
      // redraw first, so the confirmation never shows beside the old aliases
      await draw(await api.model(name));
      message.replaceChildren(h("div", { class: "ok", role: "status" }, `${c.alias} now points to version ${c.version}${c.previous === null ? "" : ` (was ${c.previous})`}.`));
    } catch (err) {
      message.replaceChildren(errorBox(err instanceof ApiError ? err.describe() : String(err)));
      button.disabled = false;
    }
  };

  const draw = async (d: ModelDetailResponse): Promise<void> => {
    const current = d.model.aliases[ALIAS];
    const rollback = h("button", { type: "button", class: "danger", "data-action": "rollback", disabled: current === undefined || !d.versions.some((v) => v.version < current) },
      `Roll back ${ALIAS}`);
    rollback.addEventListener("click", () => void act(() => api.rollback(name, ALIAS, keyInput.value.trim()), rollback));
    const rows = [...d.versions].reverse().map((v) => {
      const promote = h("button", { type: "button", "data-action": "promote", "data-version": v.version, disabled: current === v.version }, `Promote to ${ALIAS}`);
      promote.addEventListener("click", () => void act(() => api.promote(name, ALIAS, v.version, keyInput.value.trim()), promote));
      const metrics = v.run ? Object.entries(v.run.metrics).slice(0, 3).map(([k, x]) => `${k} ${num(x)}`).join(", ") : "";
      return [
        h("strong", {}, `v${v.version}`),
        h("span", {}, v.aliases.map((a) => badge(a, "alias"))),
        v.run ? h("span", {}, h("a", { href: `#/runs/${v.run.id}` }, v.run.name ?? v.run.id.slice(0, 8)), h("br"), h("small", { class: "muted" }, `${v.run.experiment}${metrics ? ` · ${metrics}` : ""}`)) : h("span", { class: "muted" }, "—"),
        v.notes || h("span", { class: "muted" }, "—"),
        when(v.createdAt),
        promote,
      ];
    });
    body.replaceChildren(
      h("div", { class: "grid" },
        card("Aliases", Object.keys(d.model.aliases).length
          ? table(["Alias", "Version"], Object.entries(d.model.aliases).map(([a, v]) => [badge(a, "alias"), h("span", { "data-alias": a }, `v${v}`)]), { class: "aliases" })
          : h("p", { class: "muted" }, "no aliases"),
        d.model.notes ? h("p", {}, d.model.notes) : null),
        card("Admin", h("p", { class: "muted" }, "Promoting and rolling back need an API key with the admin scope. It is kept in this browser only."),
          h("label", {}, "Admin key ", keyInput), h("p", {}, rollback), message)),
      card(`Versions (${d.versions.length})`, table(["Version", "Aliases", "From run", "Notes", "Registered", ""], rows, { class: "versions" })),
    );
  };

  root.append(h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / ", name), h("h1", {}, name, " ", h("a", { class: "small", href: `#/monitor/${encodeURIComponent(name)}` }, "monitor →")), body);
  await draw(await api.model(name));
};
