/**
 * Runs listr2 task lists the same way for every command: progress on stderr (stdout is kept for
 * --json), the simple renderer when not on a TTY or in CI, silence in tests, and our own signal
 * handling (cleanup then exit 4) instead of listr2's.
 */
import { Listr, ListrLogger, PRESET_TIMER, ProcessOutput, type ListrTask } from 'listr2';
import { timedRun, type Step } from './progress.js';

/** A listr2 task, for the edge modules that build their own lists (flash's progress display). */
export type { ListrTask } from 'listr2';

export interface TaskRunOptions {
  silent?: boolean;
  /** Run the tasks side by side, each to its own end (one failing does not stop the others). */
  concurrent?: boolean;
}

function listrOptions(opts: TaskRunOptions) {
  const output = new ProcessOutput(process.stderr, process.stderr);
  const logger = new ListrLogger({ processOutput: output });
  const plain = !process.stderr.isTTY || Boolean(process.env.CI);
  return {
    renderer: opts.silent
      ? ('silent' as const)
      : plain
        ? ('simple' as const)
        : ('default' as const),
    fallbackRenderer: 'simple' as const,
    rendererOptions: { timer: PRESET_TIMER, logger, collapseSubtasks: false },
    fallbackRendererOptions: { timer: PRESET_TIMER, logger },
    registerSignalListeners: false,
    exitOnError: !opts.concurrent,
    concurrent: Boolean(opts.concurrent),
    collectErrors: false as const,
  };
}

export async function runTasks<Ctx extends object>(
  tasks: ListrTask<Ctx>[],
  ctx: Ctx,
  opts: TaskRunOptions = {},
): Promise<Ctx> {
  const list = new Listr<Ctx>(tasks, { ...listrOptions(opts), ctx } as never);
  return list.run(ctx);
}

/** The edge between a domain pipeline (src/progress.ts) and listr2: report lines become task output. */
export function stepTasks<Ctx extends { timings: Record<string, number> }>(
  steps: readonly Step<Ctx>[],
): ListrTask<Ctx>[] {
  return steps.map((step) => ({
    title: step.title,
    ...(step.skip ? { skip: step.skip } : {}),
    task: (ctx, task) =>
      timedRun(step, ctx, {
        status: (text) => (task.output = text),
        title: (text) => (task.title = text),
      }),
  }));
}
