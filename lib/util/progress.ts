/**
 * One-line progress for long loops: label, step, loss, rate and ETA. On a terminal it redraws one line;
 * elsewhere (CI logs, notebooks) it prints a line at most every `intervalMs`.
 */
export interface Progress {
  update(step: number, info?: Record<string, number | string>): void;
  done(info?: Record<string, number | string>): void;
}

export type ProgressSink = (line: string, final: boolean) => void;

let sink: ProgressSink = defaultSink;
let quiet = false;
/** Whether the terminal's last line is a status line still to be overwritten. */
let statusShown = false;

function defaultSink(line: string, final: boolean): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[K${line}${final ? "\n" : ""}`);
    statusShown = !final;
  } else process.stderr.write(line + "\n");
}

/** Clears the terminal's status line, so that what is printed next starts on a clean line. */
export function clearStatusLine(): void {
  if (statusShown && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  statusShown = false;
}

/** Sends a line to the current sink (e.g. a line a worker thread reported). */
export function emitProgress(line: string, final: boolean): void {
  if (!quiet) sink(line, final);
}

/** Redirects progress lines (e.g. to a notebook) or silences them (`null`). */
export function setProgressSink(next: ProgressSink | null): void {
  quiet = next === null;
  sink = next ?? defaultSink;
}

export function formatDuration(seconds: number): string {
  if (!isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function formatInfo(info: Record<string, number | string> | undefined): string {
  if (!info) return "";
  return Object.entries(info)
    .map(([k, v]) => ` ${k} ${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join("");
}

/** `unit` names what is counted: training steps, or e.g. the points of an interpolation path. */
export function progress(label: string, from: number, to: number, unit = "step", intervalMs = process.stderr.isTTY ? 250 : 10000): Progress {
  const started = Date.now();
  let last = 0;
  const line = (step: number, info?: Record<string, number | string>) => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = (step - from) / Math.max(elapsed, 1e-9);
    const eta = (to - step) / rate;
    return `${label} ${unit} ${step}/${to}${formatInfo(info)} ${rate.toFixed(1)} ${unit}s/s ETA ${formatDuration(eta)}`;
  };
  return {
    update(step, info) {
      if (quiet) return;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      sink(line(step, info), false);
    },
    done(info) {
      if (quiet) return;
      // Started at its end (e.g. a cached run asked for a state it recreates without training): nothing was
      // done, so there is no rate, time or loss to report.
      if (to === from) return sink(`${label} already at ${unit} ${to}: nothing to do`, true);
      const elapsed = (Date.now() - started) / 1000;
      sink(`${label} done ${to - from} ${unit}s in ${formatDuration(elapsed)}${formatInfo(info)}`, true);
    },
  };
}
