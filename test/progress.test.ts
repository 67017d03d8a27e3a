import { afterEach, describe, expect, it } from "vitest";
import { progress, setProgressSink } from "../lib/util/progress";

describe("progress lines", () => {
  afterEach(() => setProgressSink(null)); // as test/support/setup.ts leaves it

  const capture = () => {
    const lines: string[] = [];
    setProgressSink((line, final) => lines.push(`${final ? "final" : "status"}: ${line}`));
    return lines;
  };

  it("say that there was nothing to do, with no made-up numbers, when a loop starts at its end", () => {
    const lines = capture();
    // A cached run asked for its state at step 0 recreates it without training: no steps, no loss.
    progress("run a519850ed529d6f7", 0, 0).done({ loss: NaN });
    progress("path", 11, 11, "point").done();
    expect(lines).toEqual(["final: run a519850ed529d6f7 already at step 0: nothing to do", "final: path already at point 11: nothing to do"]);
  });

  it("report what was done, a diverged loss included", () => {
    const lines = capture();
    progress("run x", 0, 1000).done({ loss: 0.0012345 });
    progress("run y", 500, 1000).done({ loss: NaN });
    expect(lines[0]).toMatch(/^final: run x done 1000 steps in \d+s loss 0\.001234$/);
    expect(lines[1]).toMatch(/^final: run y done 500 steps in \d+s loss NaN$/);
  });
});
