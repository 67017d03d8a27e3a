import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { UserError } from "../lib/util/errors";
import { AdapterInfo, adapterTag, isRealGpu, noAdapterReason } from "../lib/webgpu/adapter";
import { MISSING_PACKAGES, dawnEntry } from "../lib/webgpu/driver";

/**
 * The webgpu backend where it cannot start (no driver is needed: a driver file that does not exist stands in for a
 * machine without one), and how adapters are told apart. The backend itself: test/webgpu/ (`npm run test:webgpu`).
 */
const root = resolve(__dirname, "..");
const missing = "/nonexistent/vulkan_icd.json";
// Set before anything asks Dawn for an adapter: this test process has no driver at all.
process.env.VK_DRIVER_FILES = missing;
const installed = dawnEntry() !== null;
const why = installed ? `Dawn finds no GPU adapter with the Vulkan driver in ${missing} (a missing or broken driver file, or no Vulkan loader: apt-get install libvulkan1): run \`npm run webgpu\`` : MISSING_PACKAGES;

const lavapipe: AdapterInfo = { vendor: "mesa", architecture: "software", device: "llvmpipe-llvm-15-0-6-256-bits-", description: "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1", isFallbackAdapter: true };
const gpu: AdapterInfo = { vendor: "nvidia", architecture: "hopper", device: "NVIDIA H100 80GB HBM3", description: "NVIDIA H100 80GB HBM3 (driver 550.54)", isFallbackAdapter: false };

describe("a webgpu backend that cannot start", () => {
  it("is one line saying why and how to fix it, and leaves the other backends usable", async () => {
    process.env.LOTTERY_BACKEND = "webgpu";
    const failed = initBackend();
    await expect(failed).rejects.toThrow(UserError);
    await expect(failed).rejects.toThrow(`the webgpu backend cannot start: ${why}`);
    const message = await failed.catch((e: Error) => e.message);
    expect(message).not.toContain("\n");
    process.env.LOTTERY_BACKEND = "cpu";
    expect((await initBackend()).name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(await tf.add(tf.scalar(1), tf.scalar(2)).data()).toEqual(new Float32Array([3]));
    delete process.env.LOTTERY_BACKEND;
  });

  it("stops the figure command with that line and exit code 2", () => {
    const r = spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "bin/figure.ts"), "lmc/dense-instability"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, LOTTERY_BACKEND: "webgpu", LOTTERY_RESULTS: mkdtempSync(join(tmpdir(), "webgpu-start-")) },
    });
    expect(r.status, r.stderr).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`the webgpu backend cannot start: ${why}`);
  }, 60_000);
});

describe("what Dawn prints when it finds no adapter", () => {
  const initializing = " - While initializing adapter (backend=BackendType::Vulkan)";
  it("names a rejected driver, an old lavapipe as too old, and a crash of Dawn itself", () => {
    const old = `error: XDG_RUNTIME_DIR is invalid or not set in the environment.\nWarning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n${initializing}\n    at InitializeImpl (PhysicalDeviceVk.cpp:257)\n`;
    expect(noAdapterReason(null, old, null)).toBe(
      "Dawn rejects the system's Vulkan drivers as too old (it says \"Vulkan shaderUniform*ArrayDynamicIndexing required.\", as for Debian 12's lavapipe, Mesa 22): run `npm run webgpu` to install lavapipe (a CPU driver, for tests), or set VK_DRIVER_FILES to a GPU's Vulkan driver (its ICD JSON)",
    );
    expect(noAdapterReason(null, `Warning: Vulkan 1.1 is required.\n${initializing}\n`, "/x/icd.json")).toMatch(/^Dawn rejects the Vulkan driver in \/x\/icd\.json \("Vulkan 1\.1 is required\."\): run `npm run webgpu`/);
    // A warning that is not about an adapter (Dawn prints limits it lowers) is no reason.
    expect(noAdapterReason(null, "Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced\n", null)).toMatch(/^Dawn finds no GPU adapter with the system's Vulkan drivers \(none is installed, or the Vulkan loader libvulkan\.so\.1 is missing\)/);
    expect(noAdapterReason("GLIBC_2.38 not found", "", null)).toMatch(/^Dawn \(the webgpu package\) failed to start: GLIBC_2\.38 not found/);
  });
});

describe("adapters", () => {
  it("tells a GPU from a CPU driver, and names each in a run's identity by vendor and device", () => {
    expect(isRealGpu(lavapipe)).toBe(false);
    expect(isRealGpu({ ...lavapipe, isFallbackAdapter: false, architecture: "" })).toBe(false); // llvmpipe by name
    expect(isRealGpu({ ...gpu, isFallbackAdapter: true })).toBe(false);
    expect(isRealGpu(gpu)).toBe(true);
    expect(adapterTag(lavapipe)).toBe("mesa-llvmpipe-llvm-15-0-6-256-bits");
    expect(adapterTag(gpu)).toBe("nvidia-nvidia-h100-80gb-hbm3");
    // The driver's version is not part of the name; an adapter without a device name falls back to its architecture.
    expect(adapterTag({ ...gpu, description: "other driver" })).toBe(adapterTag(gpu));
    expect(adapterTag({ ...gpu, device: "" })).toBe("nvidia-hopper");
  });
});
