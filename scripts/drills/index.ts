// `npm run drills`: failure drills against throwaway local workers (and the real connector
// process). Each drill asserts that every event id reaches the receiver and reports duplicates;
// exits non-zero if any drill fails. `npm run drills -- receiver-500 worker-restart` runs a subset.
import { connectorKilledMidBacklog, workerUnreachable } from "./connector-drills.ts";
import { connectorDrain, connectorFailover } from "./fleet-drills.ts";
import type { DrillResult } from "./harness.ts";
import { receiverFailsThenRecovers, receiverGone, receiverHangs } from "./receiver-drills.ts";
import { workerKilledMidStream } from "./worker-restart.ts";
import { storageSoak } from "./storage-soak.ts";

const DRILLS: Record<string, () => Promise<DrillResult>> = {
  "receiver-500": receiverFailsThenRecovers,
  "receiver-hang": receiverHangs,
  "receiver-410": receiverGone,
  "worker-restart": workerKilledMidStream,
  "connector-kill": connectorKilledMidBacklog,
  "worker-unreachable": workerUnreachable,
  "storage-soak": storageSoak,
  "connector-failover": connectorFailover,
  "connector-drain": connectorDrain,
};

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const unknown = wanted.filter((name) => !(name in DRILLS));
  if (unknown.length) {
    console.error(`unknown drill(s): ${unknown.join(", ")}; known: ${Object.keys(DRILLS).join(", ")}`);
    return 2;
  }
  const results: DrillResult[] = [];
  for (const name of wanted.length ? wanted : Object.keys(DRILLS)) {
    console.log(`drill ${name}...`);
    const result = await DRILLS[name]!();
    console.log(`  ${result.ok ? "PASS" : "FAIL"} sent=${result.sent} delivered=${result.delivered} lost=${result.lost} dup_events=${result.duplicateEvents} dup_webhook_ids=${result.duplicateWebhookIds} ${result.seconds}s`);
    for (const note of result.notes) console.log(`    ${note}`);
    results.push(result);
  }
  console.log("\n| drill | result | sent | delivered | lost | duplicate events | duplicate webhook-ids | seconds |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results) console.log(`| ${r.name} | ${r.ok ? "PASS" : "FAIL"} | ${r.sent} | ${r.delivered} | ${r.lost} | ${r.duplicateEvents} | ${r.duplicateWebhookIds} | ${r.seconds} |`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(2);
  },
);
