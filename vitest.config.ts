// Two projects: the worker suite runs inside workerd (real local D1 and Queues); the connector
// and end-to-end suites run in Node.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["test/worker/vitest.config.ts", "test/node/vitest.config.ts"],
  },
});
