// Hash routing: `#/runs`, `#/runs/:id`, `#/compare?ids=`, `#/models`, `#/models/:name`, `#/data[/:name]`,
// `#/monitor[/:model]`. A page renders into the main element and returns a cleanup (stop polling, free charts).

/** What a page gets: its path parameters and query. */
export interface RouteParams {
  params: string[];
  query: URLSearchParams;
}

/** A page: fills `root`; may return a cleanup run when the user navigates away. */
export type Page = (root: HTMLElement, route: RouteParams) => Promise<(() => void) | void>;

/** Pages by first path segment. */
export type Routes = Record<string, Page>;

/** The current hash as path segments and query. */
export function currentRoute(): { section: string; route: RouteParams } {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = hash.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { section: parts[0] ?? "runs", route: { params: parts.slice(1), query: new URLSearchParams(query) } };
}

/** Starts routing: renders the page for the hash now and on every change. */
export function startRouter(root: HTMLElement, routes: Routes, onError: (root: HTMLElement, err: unknown) => void): void {
  let cleanup: (() => void) | void;
  let generation = 0;
  const render = async (): Promise<void> => {
    const mine = ++generation;
    cleanup?.();
    cleanup = undefined;
    const { section, route } = currentRoute();
    for (const a of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) a.classList.toggle("active", a.dataset.nav === section || (section === "compare" && a.dataset.nav === "runs"));
    const page = routes[section] ?? routes.runs;
    root.replaceChildren();
    root.setAttribute("aria-busy", "true");
    try {
      const c = await page(root, route);
      // the user may have navigated on while this page loaded
      if (mine !== generation) c?.();
      else cleanup = c;
    } catch (err) {
      if (mine === generation) onError(root, err);
    } finally {
      if (mine === generation) root.setAttribute("aria-busy", "false");
    }
  };
  window.addEventListener("hashchange", () => void render());
  void render();
}

/** Navigates to `hash` (e.g. "#/runs/abc"). */
export function go(hash: string): void {
  location.hash = hash;
}
