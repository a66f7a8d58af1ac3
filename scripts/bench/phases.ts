// The burst in two phases, from the worker's own log lines: while ingest runs (locally the consumer
// shares ingest's one workerd thread and gets little of it) and after the last burst batch was
// accepted (the consumer alone). The second rate is the consumer's own speed on this runtime.
import { workerLogLines, type WorkerLogLine } from "../lib/worker-log.ts";

export interface BurstPhases {
  ingestSeconds: number;
  deliveredDuringIngest: number;
  /** Deliveries claimed per second from the end of burst ingest to the last batch before the latency phase. */
  deliveryOnlyPerSec: number;
}

type Line = WorkerLogLine & { claimed?: number };

/** `burstBatches`: how many ingest requests the burst made (its lines come first). Undefined when the log has too few. */
export function burstPhases(logFile: string, burstBatches: number): BurstPhases | undefined {
  const at = (l: Line) => Date.parse(l.time ?? "");
  const ingest = workerLogLines<Line>(logFile, "ingest_batch").map(at);
  const batches = workerLogLines<Line>(logFile, "delivery_batch");
  if (ingest.length < burstBatches || !batches.length) return undefined;
  const [start, end] = [ingest[0] as number, ingest[burstBatches - 1] as number];
  const latencyStart = ingest[burstBatches] ?? Infinity;
  const during = batches.filter((b) => at(b) <= end).reduce((n, b) => n + (b.claimed ?? 0), 0);
  const after = batches.filter((b) => at(b) > end && at(b) < latencyStart);
  const last = after.length ? at(after[after.length - 1] as Line) : end;
  const afterCount = after.reduce((n, b) => n + (b.claimed ?? 0), 0);
  return {
    ingestSeconds: (end - start) / 1000,
    deliveredDuringIngest: during,
    deliveryOnlyPerSec: last > end ? afterCount / ((last - end) / 1000) : 0,
  };
}
