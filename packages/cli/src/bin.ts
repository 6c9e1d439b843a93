#!/usr/bin/env node
/** The `plugml` executable. */
import { main } from "./cli.js";

// A reader that stops early (`plugml predict ... | head`) closes the pipe: that is not a failure.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await main(process.argv, { stdout: process.stdout, stderr: process.stderr });
// Engines may hold handles (a worker pool, a GPU device) that would keep the process alive; stdout and stderr are
// synchronous for files, pipes and terminals on POSIX, so nothing written is lost.
process.exit(code);
