// The layout the README's folder map promises, checked on the real import graph: no import cycle
// anywhere, protocol/ imports nothing of ours, the connector never imports the worker (and the
// other way round), and events/ stays pure (no storage, delivery, routes or env).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCE_DIRS = ["protocol", "worker", "connector", "scripts"];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** file -> the repository files it imports (relative specifiers only; packages are not ours). */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    const local = importedFiles.map((i) => i.fileName).filter((spec) => spec.startsWith("."));
    graph.set(file, local.map((spec) => relative(root, resolve(root, dirname(file), spec))));
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the path that closes it. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

const graph = importGraph(SOURCE_DIRS.flatMap(sourceFiles));
const edges = [...graph].flatMap(([from, tos]) => tos.map((to) => ({ from, to })));
const inDir = (path: string, dir: string) => path.startsWith(`${dir}/`);

describe("import graph", () => {
  it("reads the source tree (every folder of the map has files)", () => {
    for (const dir of SOURCE_DIRS) expect([...graph.keys()].some((f) => inDir(f, dir)), dir).toBe(true);
  });

  it("has no import cycle", () => {
    expect(findCycles(graph).map((cycle) => cycle.join(" -> "))).toEqual([]);
  });

  it("finds a cycle when there is one (the check itself works)", () => {
    const cyclic = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["a.ts"]]]);
    expect(findCycles(cyclic)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });

  it("protocol/ imports only protocol/", () => {
    expect(edges.filter((e) => inDir(e.from, "protocol") && !inDir(e.to, "protocol"))).toEqual([]);
  });

  it("the connector and the worker never import each other (they share protocol/ only)", () => {
    const crossing = edges.filter((e) =>
      (inDir(e.from, "connector") && inDir(e.to, "worker")) || (inDir(e.from, "worker") && inDir(e.to, "connector")));
    expect(crossing).toEqual([]);
  });

  it("worker/events/ is pure: it imports only events/, protocol/ and the logger", () => {
    const allowed = (to: string) => inDir(to, "worker/events") || inDir(to, "protocol") || to === "worker/log.ts";
    expect(edges.filter((e) => inDir(e.from, "worker/events") && !allowed(e.to))).toEqual([]);
  });
});
