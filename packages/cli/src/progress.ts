/**
 * Fit progress on stderr: a live bar (cli-progress) with the iteration, inertia and elapsed time when stderr is a
 * terminal, one plain line per iteration when it is not (a log file, a pipe), or nothing.
 */
import cliProgress from "cli-progress";
import type { IterationInfo } from "@plugml/core";

/** `--progress` values: `auto` is `bar` on a terminal and `lines` elsewhere. */
export const PROGRESS_MODES = ["auto", "bar", "lines", "none"] as const;

/** One of {@link PROGRESS_MODES}. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** What a fit reports to. */
export interface FitProgress {
  /** The `onIteration` callback of `fit`. */
  onIteration(info: IterationInfo): void;
  /**
   * Ends the bar (leaving its last state on screen) before anything else is written. `inertia`: the fitted model's
   * final inertia, shown in the bar's last state when the engine did not report it per iteration.
   */
  stop(final?: { inertia?: number }): void;
  /** Iterations reported so far (all initialisations), the initialisations seen, and the last inertia reported. */
  readonly iterations: number;
  readonly runs: number;
  readonly inertia?: number;
}

/** Options of {@link createFitProgress}. */
export interface FitProgressOptions {
  mode: ProgressMode;
  /** Where to write (stderr, so that stdout stays for results). */
  stream: NodeJS.WriteStream;
  /** The bar's total: the estimator's most iterations per initialisation. */
  maxIter: number;
  /** What is being fitted, e.g. `KMeans`. */
  label: string;
}

/** Seconds with two decimals, e.g. `1.23s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** A number in at most 7 significant digits (inertia, shifts). */
export function formatNumber(v: number | undefined): string {
  return v === undefined ? "n/a" : Number(v.toPrecision(7)).toString();
}

/** The bar, the lines or nothing, as `mode` and the stream say. */
export function createFitProgress(options: FitProgressOptions): FitProgress {
  const { stream, maxIter, label } = options;
  const mode = options.mode === "auto" ? (stream.isTTY ? "bar" : "lines") : options.mode;
  const start = performance.now();
  let iterations = 0;
  let run = 1;
  let last = 0;
  let inertia: number | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let stopped = false;

  let lastInfo: IterationInfo | undefined;
  const payload = (info: IterationInfo) => ({
    run: run > 1 ? ` (init ${run})` : "",
    inertia: formatNumber(info.inertia),
    shift: formatNumber(info.centerShift),
    elapsed: formatSeconds(performance.now() - start),
  });

  return {
    get iterations() {
      return iterations;
    },
    get runs() {
      return iterations === 0 ? 0 : run;
    },
    get inertia() {
      return inertia;
    },
    onIteration(info) {
      if (info.iteration <= last) run++;
      last = info.iteration;
      iterations++;
      lastInfo = info;
      inertia = info.inertia ?? inertia;
      if (mode === "lines") {
        const p = payload(info);
        // What the engine reported: the CPU engine reports the center shift, not the inertia, per iteration.
        const parts = [
          ...(info.inertia === undefined ? [] : [`inertia ${p.inertia}`]),
          ...(info.centerShift === undefined ? [] : [`center shift ${p.shift}`]),
          ...(info.converged ? ["converged"] : []),
          `elapsed ${p.elapsed}`,
        ];
        stream.write(`${label} iteration ${info.iteration}/${maxIter}${p.run}: ${parts.join(", ")}\n`);
      } else if (mode === "bar" && !stopped) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: `${label} {bar} iteration {value}/{total}{run} | center shift {shift} | inertia {inertia} | {elapsed}`,
              barsize: 24,
              hideCursor: true,
              clearOnComplete: false,
              stopOnComplete: false,
              // Forced with --progress bar onto a stream that is not a terminal, the bar is still drawn.
              noTTYOutput: !stream.isTTY,
              fps: 20,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(maxIter, info.iteration, payload(info));
        } else {
          bar.update(info.iteration, payload(info));
        }
      }
    },
    stop(final = {}) {
      if (stopped) return;
      stopped = true;
      if (bar && lastInfo) bar.update(lastInfo.iteration, payload({ ...lastInfo, inertia: lastInfo.inertia ?? final.inertia }));
      // stop() draws the last state before leaving the line.
      bar?.stop();
    },
  };
}
