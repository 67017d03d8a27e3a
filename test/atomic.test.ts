import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageError, ensureDir, storageError, writeFileAtomic } from "../lib/util/atomic";

describe("a file where the store needs a folder", () => {
  const message = (path: string) => `${path} is a file, not a folder; move it away or set LOTTERY_RESULTS to a folder.`;

  it("is named, in one line, by ensureDir and by an atomic write below it", () => {
    const results = mkdtempSync(join(tmpdir(), "atomic-"));
    mkdirSync(join(results, "figures"));
    const file = join(results, "figures", "lmc");
    writeFileSync(file, "");
    expect(() => ensureDir(file)).toThrow(new StorageError(message(file), "ENOTDIR"));
    expect(() => ensureDir(join(file, "dense-instability", "quick"))).toThrow(message(file));
    expect(() => writeFileAtomic(join(file, "dense-instability", "quick", "data.json"), "{}")).toThrow(message(file));
    expect(readdirSync(join(results, "figures"))).toEqual(["lmc"]);
  });

  it("is named when a write meets it (ENOTDIR), not the temporary file", () => {
    const results = mkdtempSync(join(tmpdir(), "atomic-"));
    const file = join(results, "runs");
    writeFileSync(file, "");
    let raw: unknown;
    try {
      writeFileSync(join(file, "x.tmp-host-1-abc"), "");
    } catch (e) {
      raw = e;
    }
    expect((raw as NodeJS.ErrnoException).code).toBe("ENOTDIR");
    const e = storageError(join(file, "x"), raw);
    expect(e).toBeInstanceOf(StorageError);
    expect(e.message).toBe(message(file));
  });
});
