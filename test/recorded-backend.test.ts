import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decideBackend } from "../lib/figures/recorded-backend";
import { BACKENDS, nativePackage } from "../lib/backend-choice";

const root = resolve(__dirname, "..");
// No Vulkan driver in this test process, whatever the machine has: webgpu cannot run here.
process.env.VK_DRIVER_FILES = "/nonexistent/vulkan_icd.json";
const saved = process.env.LOTTERY_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.LOTTERY_BACKEND;
  else process.env.LOTTERY_BACKEND = saved;
});

/** A results folder whose provenance records `backend`. */
function computedOn(backend: object): string {
  const dir = join(mkdtempSync(join(tmpdir(), "recorded-")), "figures", "x", "cpu");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "provenance.json"), JSON.stringify({ backend }));
  return dir;
}

describe("recomputing a results folder", () => {
  it("pins nothing and says nothing where no result is recorded", () => {
    delete process.env.LOTTERY_BACKEND;
    expect(decideBackend(join(tmpdir(), "no-such-folder"))).toEqual({ pin: null, line: null, settings: {} });
  });

  it("uses the recorded backend when LOTTERY_BACKEND is unset, and names it", () => {
    delete process.env.LOTTERY_BACKEND;
    const d = decideBackend(computedOn({ name: "wasm" }));
    expect(d.pin).toBe("wasm");
    expect(d.line).toMatch(/^reproducing .* on wasm, the backend that computed it; set LOTTERY_BACKEND to choose another\.$/);
  });

  it("lets LOTTERY_BACKEND win, and warns that the data may differ", () => {
    process.env.LOTTERY_BACKEND = "cpu";
    const d = decideBackend(computedOn({ name: "wasm" }));
    expect(d.pin).toBeNull();
    expect(d.line).toMatch(/was computed on wasm; LOTTERY_BACKEND=cpu recomputes it on cpu, so data\.json may differ/);
    process.env.LOTTERY_BACKEND = "wasm";
    expect(decideBackend(computedOn({ name: "wasm" }))).toEqual({ pin: null, line: null, settings: {} });
  });

  it.skipIf(nativePackage() !== null)("says when the recorded backend cannot run here, and does not force it", () => {
    delete process.env.LOTTERY_BACKEND;
    const d = decideBackend(computedOn({ name: "tensorflow" }));
    expect(d.pin).toBeNull();
    expect(d.line).toMatch(/was computed on tensorflow, which cannot run here \(run `npm run native` to reproduce it bit for bit\); recomputing on the default backend/);
  });

  it("selects tfjs-node's batch norm by the recorded kernels, unless LOTTERY_TF_BATCH_NORM chooses", () => {
    const saved = process.env.LOTTERY_TF_BATCH_NORM;
    try {
      delete process.env.LOTTERY_TF_BATCH_NORM;
      process.env.LOTTERY_BACKEND = "tensorflow"; // decided as if forced, so that it holds without tfjs-node too
      expect(decideBackend(computedOn({ name: "tensorflow", kernels: "onednn-avx2-1thread" })).settings).toEqual({ LOTTERY_TF_BATCH_NORM: "tensorflow" });
      expect(decideBackend(computedOn({ name: "tensorflow", kernels: "onednn-avx2-1thread-lottery-bn" })).settings).toEqual({ LOTTERY_TF_BATCH_NORM: "project" });
      process.env.LOTTERY_BACKEND = "wasm";
      expect(decideBackend(computedOn({ name: "tensorflow", kernels: "onednn-avx2-1thread" })).settings).toEqual({});
      process.env.LOTTERY_BACKEND = "tensorflow";
      process.env.LOTTERY_TF_BATCH_NORM = "project";
      expect(decideBackend(computedOn({ name: "tensorflow", kernels: "onednn-avx2-1thread" })).settings).toEqual({});
    } finally {
      if (saved === undefined) delete process.env.LOTTERY_TF_BATCH_NORM;
      else process.env.LOTTERY_TF_BATCH_NORM = saved;
    }
  });

  it("says when a result computed on webgpu cannot be recomputed on its adapter here", () => {
    delete process.env.LOTTERY_BACKEND;
    const d = decideBackend(computedOn({ name: "webgpu", adapter: "NVIDIA H100 (nvidia, hopper)" }));
    expect(d.pin).toBeNull();
    expect(d.line).toMatch(/was computed on webgpu, which cannot run here \(run it on a machine with the adapter its provenance names to reproduce it bit for bit\); recomputing on the default backend/);
  });

  it("every committed result records a backend it can be recomputed on, and the README's first screen names the main one's", () => {
    const provenances = (readdirSync(join(root, "results/figures"), { recursive: true }) as string[]).filter((p) => /(^|\/)cpu\/provenance\.json$/.test(p)).map((p) => join("results/figures", p));
    expect(provenances.length).toBeGreaterThan(0);
    for (const p of provenances) {
      const backend = JSON.parse(readFileSync(join(root, p), "utf8")).backend;
      expect(BACKENDS, p).toContain(backend.name);
      if (backend.name === "wasm-blas") expect(backend.blas, p).toMatch(/OpenBLAS/);
    }
    const firstScreen = readFileSync(join(root, "README.md"), "utf8").split("\n").slice(0, 30).join("\n");
    const id = /npm run figure -- (\S+) --preset cpu/.exec(firstScreen)?.[1];
    expect(id, "the README's first screen shows the main command").toBeDefined();
    const main = JSON.parse(readFileSync(join(root, "results/figures", id!, "cpu/provenance.json"), "utf8")).backend.name;
    expect(firstScreen).toContain(`on \`${main}\`, the backend that computed it`);
  });
});
