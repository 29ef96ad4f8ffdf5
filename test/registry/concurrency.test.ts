import { after } from "node:test";
import { concurrencySuite } from "./concurrency-cases.js";
import { backends, cleanup } from "./helpers.js";

after(cleanup);
concurrencySuite(backends.find((b) => b.name === "sqlite")!);
