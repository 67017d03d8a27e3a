import { UserError } from "./util/errors";

/**
 * Runs a command-line entry point: a UserError (bad flag, file or value) prints one line and exits 2;
 * anything else prints its message (and the stack with LOTTERY_DEBUG=1) and exits 1.
 */
export function main(fn: () => Promise<void>): void {
  process.on("SIGINT", () => {
    // Every file is written atomically, so stopping here loses only the steps since the last save.
    process.stderr.write("\ninterrupted: finished runs and the last resume state are kept; run the same command again to continue.\n");
    process.exit(130);
  });
  fn().then(
    () => process.exit(0),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof UserError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`error: ${err.message}\n`);
      if (process.env.LOTTERY_DEBUG) process.stderr.write(`${err.stack}\n`);
      else process.stderr.write("(set LOTTERY_DEBUG=1 for the stack trace)\n");
      process.exit(1);
    },
  );
}
