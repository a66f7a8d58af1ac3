import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../../", import.meta.url));

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}worker/index.ts`,
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        bindings: {
          AUTHENTICATION_API_KEY: "test-global-api-key",
          CONNECTOR_SECRET: "test-connector-secret-0123456789",
          WEBHOOK_GLOBAL_SECRET: "whsec_dGVzdC1nbG9iYWwtc2VjcmV0LTAxMjM0NTY3",
          // The production default, whatever a developer's .dev.vars says (npm start sets it to true).
          WEBHOOK_ALLOW_PRIVATE_URLS: "false",
          TEST_MIGRATIONS: await readD1Migrations(`${root}migrations`),
        },
      },
    })),
  ],
  test: {
    name: "worker",
    root,
    include: ["test/worker/**/*.test.ts"],
    setupFiles: ["test/worker/setup.ts"],
  },
});
