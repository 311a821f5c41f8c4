import { describe, expect, it } from 'vitest';
import { runSteps, type Step, type StepReport } from '../../src/progress.js';

type Ctx = { timings: Record<string, number>; seen: string[] };
const now =
  (fn: (ctx: Ctx, r: StepReport) => void) =>
  (ctx: Ctx, r: StepReport): Promise<void> =>
    Promise.resolve(fn(ctx, r));

describe('pipeline steps without a renderer', () => {
  it('runs steps in order, skips with a reason, times each and passes the report', async () => {
    const lines: string[] = [];
    const report: StepReport = {
      status: (t) => lines.push(`status ${t}`),
      title: (t) => lines.push(`title ${t}`),
    };
    const steps: Step<Ctx>[] = [
      {
        name: 'first',
        title: 'First',
        run: now((ctx, r) => {
          ctx.seen.push('first');
          r.status('working');
          r.title('First (done)');
        }),
      },
      {
        name: 'cached',
        title: 'Cached',
        skip: () => 'cache hit',
        run: now((ctx) => void ctx.seen.push('cached')),
      },
      {
        name: 'last',
        title: 'Last',
        skip: () => false,
        run: now((ctx) => void ctx.seen.push('last')),
      },
    ];
    const ctx = await runSteps(steps, { timings: {}, seen: [] }, report);
    expect(ctx.seen).toEqual(['first', 'last']);
    expect(Object.keys(ctx.timings)).toEqual(['first', 'last']);
    expect(lines).toEqual(['status working', 'title First (done)']);
  });

  it('records the time of a failing step and stops there', async () => {
    const ctx: Ctx = { timings: {}, seen: [] };
    const steps: Step<Ctx>[] = [
      { name: 'boom', title: 'Boom', run: () => Promise.reject(new Error('boom')) },
      { name: 'never', title: 'Never', run: now((c) => void c.seen.push('never')) },
    ];
    await expect(runSteps(steps, ctx)).rejects.toThrow('boom');
    expect(ctx.timings.boom).toBeGreaterThanOrEqual(0);
    expect(ctx.seen).toEqual([]);
  });
});
