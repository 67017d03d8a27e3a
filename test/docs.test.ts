import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FIGURES } from "../lib/figures/registry";
import { OVERVIEW_PATH, resultsOverview } from "../lib/figures/overview";
import { notebookText } from "../lib/figures/notebook-source";

const root = resolve(__dirname, "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");

describe("the README and the documents it points to", () => {
  it("lists every figure of the registry once, each with its module and notebook where the id says", () => {
    const ids = [...read("README.md").matchAll(/^\| `([a-z0-9-]+\/[a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect([...ids].sort()).toEqual(FIGURES.map((f) => f.id).sort());
    for (const id of ids) {
      expect(existsSync(join(root, "lib/figures", `${id}.ts`)), id).toBe(true);
      expect(existsSync(join(root, "notebooks", `${id}.ipynb`)), id).toBe(true);
    }
  });

  it("names only documents that exist", () => {
    const named = [...read("README.md").matchAll(/`((?:docs|bench)\/[\w.-]+\.md)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    for (const p of named) expect(existsSync(join(root, p)), p).toBe(true);
  });

  it("every notebook is what `npm run notebooks` writes from its figure", () => {
    for (const f of FIGURES) expect(read(`notebooks/${f.id}.ipynb`), f.id).toBe(notebookText(f));
  });

  it("docs/results.md is what `npm run results-overview` writes from the committed results", () => {
    expect(read(OVERVIEW_PATH)).toBe(resultsOverview(root));
  });
});
