import { describe, expect, it, vi } from "vitest";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A full disk, injected: the first write of the test fails the way a real ENOSPC does, after the
// temporary file was created.
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  let fail = true;
  return {
    ...fs,
    writeFileSync: (path: string, data: string | Uint8Array) => {
      if (fail && String(path).includes(".tmp-")) {
        fail = false;
        fs.writeFileSync(path, "part");
        throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: "ENOSPC", syscall: "write" });
      }
      return fs.writeFileSync(path, data);
    },
  };
});

describe("a full disk", () => {
  it("fails with one line naming the file and the cause, and leaves no temporary file", async () => {
    const { writeFileAtomic } = await import("../lib/util/atomic");
    const dir = mkdtempSync(join(tmpdir(), "lottery-full-"));
    const target = join(dir, "step-100.safetensors");
    let message = "";
    try {
      writeFileAtomic(target, new Uint8Array(16));
    } catch (e) {
      message = (e as Error).message;
      expect((e as Error).name).toBe("StorageError");
    }
    expect(message).toContain(`cannot write ${target}: no space left on its disk (ENOSPC)`);
    expect(message).not.toContain("\n");
    expect(readdirSync(dir)).toEqual([]);
    writeFileAtomic(target, new Uint8Array(16)); // space again: the same write succeeds
    expect(readdirSync(dir)).toEqual(["step-100.safetensors"]);
  });
});
