import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../lib/store/paths";

// The library's modules import each other one way: no circle, type-only imports included (a circle of
// types still ties two modules into one concept).
const LIB = join(REPO_ROOT, "lib");

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The lib modules a file imports or re-exports, by path (relative specifiers only). */
function importsOf(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*["'](\.[^"']+)["']/g)].map((m) => m[1]);
  const dynamic = [...source.matchAll(/import\(\s*["'](\.[^"']+)["']\s*\)/g)].map((m) => m[1]);
  return [...specifiers, ...dynamic].map((spec) => {
    const base = resolve(dirname(file), spec);
    for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {}
    }
    throw new Error(`${relative(REPO_ROOT, file)} imports ${spec}, which is not a file`);
  });
}

/** Every circle in a graph (as module lists), found by depth-first search; empty when it is acyclic. */
function circles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "closed">();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "closed");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("the library's layers", () => {
  it("finds a circle where there is one, and none in a chain", () => {
    expect(circles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual([["a", "b", "c", "a"]]);
    expect(circles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]]))).toEqual([]);
  });

  it("has no import circle in lib/, type-only imports included", () => {
    const graph = new Map(modules(LIB).map((file) => [file, importsOf(file, readFileSync(file, "utf8")).filter((m) => m.startsWith(LIB))]));
    expect(graph.size).toBeGreaterThan(50);
    const named = circles(graph).map((circle) => circle.map((m) => relative(LIB, m)).join(" -> "));
    expect(named).toEqual([]);
  });
});
