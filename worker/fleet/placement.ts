// Where a new or orphaned instance goes: the live connector with the most free room. Pure: no I/O, no clock.

export interface Candidate {
  id: string;
  capacity: number;
  /** Instances it owns now. */
  owned: number;
}

/** The candidate with the most free room (ties: the lowest id), or undefined when every one is full. */
export function pickConnector(candidates: readonly Candidate[], exclude?: string): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) {
    if (c.id === exclude || c.owned >= c.capacity) continue;
    const room = c.capacity - c.owned;
    const bestRoom = best ? best.capacity - best.owned : -1;
    if (room > bestRoom || (room === bestRoom && best && c.id < best.id)) best = c;
  }
  return best;
}
