// A tiny element builder: enough to write pages as plain functions without a framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** Creates `<tag>` with attributes (`on...` functions become listeners) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(typeof c === "number" ? String(c) : c);
  return el;
}

/** A table from a header row and body rows. */
export function table(headers: (string | Node)[], rows: Child[][], attrs: Attrs = {}): HTMLTableElement {
  return h("table", attrs, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
}

/** A titled card. */
export function card(title: string, ...children: (Child | Child[])[]): HTMLElement {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

/** A status or alias chip. */
export function badge(text: string, kind = text): HTMLElement {
  return h("span", { class: `badge badge-${kind}` }, text);
}

/** A readable error box. */
export function errorBox(message: string): HTMLElement {
  return h("div", { class: "error", role: "alert" }, message);
}
