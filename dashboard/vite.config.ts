// Builds the dashboard into dist/dashboard/, which the server's dashboard plugin serves at `/`.
// Run from the repository root: npx vite build --config dashboard/vite.config.ts
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  // relative asset URLs: the app works wherever the server mounts it
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 200,
  },
});
