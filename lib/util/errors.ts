/**
 * An error caused by the user's input (a flag, a file, a config value). Its message names the problem
 * and the fix; the CLI prints it on one line without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

export function assertUser(condition: unknown, message: string): asserts condition {
  if (!condition) throw new UserError(message);
}
