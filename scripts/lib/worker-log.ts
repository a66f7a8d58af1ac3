// The worker's own JSON log lines, read back from the log file of a local worker (bench, drills).
// Wrangler wraps warnings in a coloured "▲ [WARNING]" frame, so the JSON is found inside the line.
import { readFileSync } from "node:fs";

export type WorkerLogLine = { msg?: string; time?: string } & Record<string, unknown>;

/** Every parseable line, or only those with `msg`; none when the file does not exist (yet). */
export function workerLogLines<T extends WorkerLogLine = WorkerLogLine>(logFile: string, msg?: string): T[] {
  let text: string;
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return [];
  }
  const lines: T[] = [];
  for (const raw of text.split("\n")) {
    if (msg !== undefined && !raw.includes(`"msg":"${msg}"`)) continue;
    const json = /\{"level".*\}/.exec(raw)?.[0];
    if (!json) continue;
    try {
      const line = JSON.parse(json) as T;
      if (msg === undefined || line.msg === msg) lines.push(line);
    } catch {
      // a line that only looks like ours
    }
  }
  return lines;
}
