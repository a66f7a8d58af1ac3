// Small pure statistics for the bench report. No I/O, no clock.

/** Nearest-rank percentile (p in 0..100) of an unsorted sample; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Per-event latency: receiver time minus send time, for events seen by both sides. */
export function latencies(sentAt: ReadonlyMap<string, number>, receivedAt: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const [id, sent] of sentAt) {
    const received = receivedAt.get(id);
    if (received !== undefined) out.push(received - sent);
  }
  return out;
}

/** Ids sent but never received. */
export function lostIds(sentIds: Iterable<string>, receivedAt: ReadonlyMap<string, number>): string[] {
  const lost: string[] = [];
  for (const id of sentIds) if (!receivedAt.has(id)) lost.push(id);
  return lost;
}

/** Events per second over an interval in ms; 0 for an empty interval. */
export function perSecond(count: number, fromMs: number, toMs: number): number {
  return toMs > fromMs ? (count * 1000) / (toMs - fromMs) : 0;
}

/** The latest timestamp among the given ids (when the last of them arrived). */
export function lastArrival(ids: Iterable<string>, receivedAt: ReadonlyMap<string, number>): number {
  let last = 0;
  for (const id of ids) last = Math.max(last, receivedAt.get(id) ?? 0);
  return last;
}
