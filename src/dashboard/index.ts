// The web dashboard's server side: a ServerPlugin serving the built app and its JSON API.
export { dashboardPlugin, type DashboardOptions } from "./plugin.js";
export type { DashboardMonitor } from "./monitor-api.js";
export type { DatasetProfile } from "./api-types.js";
export { defaultAssetsDir } from "./assets.js";
