// ingot: the library. Everything a user imports comes through here.
export * from "./tensor/index.js";
export * from "./autograd/index.js";
export * from "./backends/index.js";
