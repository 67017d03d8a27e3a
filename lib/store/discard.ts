/** Says that a damaged cache file is being discarded, once, on stderr (it will be recomputed). */
export function warnDiscarded(path: string, e: Error): void {
  process.stderr.write(`warning: discarding ${path} (${e.message.replace(`${path}: `, "")}); it will be recomputed\n`);
}
