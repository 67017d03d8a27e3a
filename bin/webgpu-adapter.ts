import { main } from "../lib/cli";
import { UserError } from "../lib/util/errors";
import { describeAdapter, isRealGpu, probeAdapter } from "../lib/webgpu/adapter";

/**
 * The adapter the webgpu backend would run on (`npx tsx bin/webgpu-adapter.ts`; scripts/setup-webgpu.sh checks
 * its install with it): one line naming it and whether it is a GPU, or one line saying why there is none.
 */
main(async () => {
  const probe = probeAdapter();
  if (probe.ok === false) throw new UserError(`no WebGPU adapter: ${probe.reason}.`);
  console.log(`${describeAdapter(probe.adapter)}${isRealGpu(probe.adapter) ? ", a GPU" : ""} via ${process.env.VK_DRIVER_FILES ?? "the system's Vulkan drivers"}`);
});
