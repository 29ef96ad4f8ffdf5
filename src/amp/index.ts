export { autocast, autocastDtype, isAutocastEnabled, type AutocastOptions } from "./autocast.js";
