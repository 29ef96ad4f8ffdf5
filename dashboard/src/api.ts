// Calls to the dashboard's JSON API. Errors keep the server's status, code and message so pages can show
// "403 forbidden: ..." instead of a generic failure.
import type { AliasChange, DatasetInfo, DatasetProfile, Experiment, MetricsResponse, ModelDetailResponse, MonitorReport, RegisteredModel, Run, RunComparison, RunDetailResponse } from "./types.js";

/** An error answer from the API. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }

  /** How the error reads on a page. */
  describe(): string {
    const what = this.status === 401 ? "not signed in" : this.status === 403 ? "not allowed" : this.code.replaceAll("_", " ");
    return `${this.status} ${what}: ${this.message}`;
  }
}

const ADMIN_KEY = "ingot.adminKey";

/** The admin API key the user pasted, kept in this browser only. */
export const adminKey = {
  get: (): string => localStorage.getItem(ADMIN_KEY) ?? "",
  set: (key: string): void => (key ? localStorage.setItem(ADMIN_KEY, key) : localStorage.removeItem(ADMIN_KEY)),
};

const READ_KEY = "ingot.apiKey";

/** The API key pages read with (any scope), kept in this browser only: needed when the server has keys. */
export const readKey = {
  get: (): string => localStorage.getItem(READ_KEY) ?? "",
  set: (key: string): void => (key ? localStorage.setItem(READ_KEY, key) : localStorage.removeItem(READ_KEY)),
};

async function call<T>(method: "GET" | "POST", path: string, body?: unknown, changeKey?: string): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  // reads go with the read key (or the admin key when that is all the user gave); changes with the key passed
  const key = method === "GET" ? readKey.get() || adminKey.get() : changeKey;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) {
    headers.authorization = `Bearer ${key}`;
    headers["x-api-key"] = key;
  }
  const res = await fetch(`api/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? "error", json?.error?.message ?? res.statusText);
  return json as T;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const s = new URLSearchParams(Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== "").map(([k, v]) => [k, String(v)]));
  return s.size ? `?${s}` : "";
};

/** Filters of the runs list. */
export interface RunFilter {
  experiment?: string;
  status?: string;
  orderBy?: string;
  order?: "asc" | "desc";
}

export const api = {
  experiments: () => call<{ experiments: Experiment[] }>("GET", "experiments"),
  runs: (f: RunFilter = {}) => call<{ runs: Run[] }>("GET", `runs${q({ ...f })}`),
  run: (id: string) => call<RunDetailResponse>("GET", `runs/${encodeURIComponent(id)}`),
  metrics: (id: string) => call<MetricsResponse>("GET", `runs/${encodeURIComponent(id)}/metrics`),
  compare: (ids: string[]) => call<RunComparison>("GET", `compare${q({ ids: ids.join(",") })}`),
  models: () => call<{ models: RegisteredModel[] }>("GET", "models"),
  model: (name: string) => call<ModelDetailResponse>("GET", `models/${encodeURIComponent(name)}`),
  promote: (name: string, alias: string, version: number, key: string) =>
    call<AliasChange>("POST", `models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`, { version }, key),
  rollback: (name: string, alias: string, key: string) => call<AliasChange>("POST", `models/${encodeURIComponent(name)}/rollback`, { alias }, key),
  datasets: () => call<{ datasets: DatasetInfo[] }>("GET", "data"),
  profile: (name: string) => call<DatasetProfile>("GET", `data/${encodeURIComponent(name)}/profile`),
  monitor: (model: string, windowMs?: number) => call<MonitorReport>("GET", `monitor/${encodeURIComponent(model)}${q({ windowMs })}`),
};
