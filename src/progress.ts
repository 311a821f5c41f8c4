/**
 * How a pipeline step talks to the person watching, without knowing who renders it. Steps get a
 * StepReport; the CLI edge (src/tasks.ts) maps it onto listr2, tests can pass their own.
 */
export interface StepReport {
  /** A passing status line: the tool's latest output, the current phase. */
  status(text: string): void;
  /** The step's title, restated with what it found ("Inventory installed packages (412)"). */
  title(text: string): void;
}

export interface Step<Ctx> {
  /** Verb-named, as the step's file; the key of its wall time in ctx.timings. */
  name: string;
  title: string;
  /** "Applies, but not now": the reason it is skipped (a cache hit), or false to run it. */
  skip?: (ctx: Ctx) => Promise<string | false> | string | false;
  run(ctx: Ctx, report: StepReport): Promise<void>;
}

/** A report that shows nothing (library use, tests). */
export const silentReport: StepReport = { status: () => undefined, title: () => undefined };

/**
 * Runs steps in order without any renderer, timing each into ctx.timings (the same contract as
 * the listr2 edge): for library callers and tests that assert on what a step produced.
 */
export async function runSteps<Ctx extends { timings: Record<string, number> }>(
  steps: readonly Step<Ctx>[],
  ctx: Ctx,
  report: StepReport = silentReport,
): Promise<Ctx> {
  for (const step of steps) {
    if (step.skip && (await step.skip(ctx))) continue;
    await timedRun(step, ctx, report);
  }
  return ctx;
}

export async function timedRun<Ctx extends { timings: Record<string, number> }>(
  step: Step<Ctx>,
  ctx: Ctx,
  report: StepReport,
): Promise<void> {
  const start = performance.now();
  try {
    await step.run(ctx, report);
  } finally {
    ctx.timings[step.name] = Math.round(performance.now() - start) / 1000;
  }
}
