// Prints the key one connector signs with (docs/configuration.md#connector): give that machine
// CONNECTOR_KEY instead of CONNECTOR_SECRET, so it cannot sign as any other connector.
// Usage: CONNECTOR_SECRET=… npx tsx scripts/connector-key.ts <connector-id>
import { CONNECTOR_ID_PATTERN, deriveConnectorKey } from "../protocol/fleet.ts";

const id = process.argv[2] ?? "";
const secret = process.env.CONNECTOR_SECRET ?? "";
if (!CONNECTOR_ID_PATTERN.test(id) || !secret) {
  process.stderr.write("usage: CONNECTOR_SECRET=… npx tsx scripts/connector-key.ts <connector-id>\n");
  process.exit(2);
}
process.stdout.write(`${await deriveConnectorKey(secret, id)}\n`);
