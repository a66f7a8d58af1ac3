import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../../", import.meta.url));

export default defineConfig({
  test: {
    name: "node",
    root,
    include: ["test/connector/**/*.test.ts", "test/e2e/**/*.test.ts", "test/scripts/**/*.test.ts", "test/layout/**/*.test.ts", "test/protocol/**/*.test.ts", "test/console/**/*.test.ts", "test/migrations/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
