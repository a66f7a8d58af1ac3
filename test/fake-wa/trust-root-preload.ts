// Preload for a child process (e.g. the real connector) that must reach the fake server:
//   FAKE_WA_ROOT_PUBLIC_KEY=<wa.rootPublicKeyHex> node --import tsx --import ./test/fake-wa/trust-root-preload.ts connector/index.ts
// Test-only: without the variable it does nothing, and production never loads this file.
import { trustFakeRoot } from "./noise.ts";

const hex = process.env.FAKE_WA_ROOT_PUBLIC_KEY;
if (hex) trustFakeRoot(Buffer.from(hex, "hex"));
