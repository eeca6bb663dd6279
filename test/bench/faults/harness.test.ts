/**
 * A tiny run of the fault suite, so the harness cannot rot unnoticed: a few Sends from two widgets,
 * real relay processes, the fault mix and one SIGKILL each, and Sends pressed offline so the
 * browser outbox and the drain are exercised too. The suite's own figures come from
 * `npm run bench:faults`; this checks that every part of it still runs and accounts for every Send.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from './processes';
import { runScenario } from './scenario';
import type { ScenarioOptions, ScenarioSpec } from './scenario';

const OPTIONS: ScenarioOptions = {
  submissions: 10,
  widgets: 2,
  restartGapMs: 1000,
  deadlineMs: 40_000,
  drainMs: 15_000,
  seed: 9,
  say: () => {},
};

// Whatever a failed assertion left behind.
afterAll(killAll);

/** Every Send is accounted for, once, and nothing ran into the deadline. */
function expectAccounted(figures: Awaited<ReturnType<typeof runScenario>>['figures']) {
  expect(figures.submitted).toBe(OPTIONS.submissions);
  expect(figures.unfinished).toBe(0);
  expect(figures.created + figures.lost + figures.failed).toBe(OPTIONS.submissions);
  const atSend = Object.values(figures.atSend).reduce((sum, n) => sum + n, 0);
  expect(atSend).toBe(OPTIONS.submissions);
  // The relay keeps its keys across a SIGKILL: whatever else the faults did, no Send made two tickets.
  expect(figures.duplicated).toBe(0);
}

describe('the fault-injection suite, in small', () => {
  it('runs one relay on SQLite through the fault mix and a SIGKILL, two Sends offline', { timeout: 90_000 }, async () => {
    const spec: ScenarioSpec = { name: 'tiny sqlite', store: 'sqlite', relays: 1, kills: [{ relay: 0, afterShare: 0.5 }], faults: true, offlineShare: 0.2 };
    const result = await runScenario(spec, OPTIONS);
    expect(result.cutShort).toBeUndefined();
    expectAccounted(result.figures);
    // Offline at Send: saved in the browser outbox, delivered by a later visit or the drain.
    expect(result.figures.atSend['browser-queued']).toBe(2);
    expect(result.figures.fromOutbox).toEqual({ 'delivered 201': 2 });
    expect(result.outages).toHaveLength(1);
    expect(result.outages[0]?.downMs).toBeGreaterThanOrEqual(OPTIONS.restartGapMs);
    // The faults and the kill were felt: some ticket POSTs got something other than a 201.
    expect(Object.keys(result.figures.attemptsByAnswer).filter((answer) => answer !== '201').length).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync('/usr/bin/redis-server'))('runs two relays on Redis behind the proxy, killing each once', { timeout: 90_000 }, async () => {
    const spec: ScenarioSpec = {
      name: 'tiny redis',
      store: 'redis',
      relays: 2,
      kills: [
        { relay: 0, afterShare: 0.2 },
        { relay: 1, afterShare: 0.6 },
      ],
      faults: true,
    };
    const result = await runScenario(spec, OPTIONS);
    expect(result.cutShort).toBeUndefined();
    expectAccounted(result.figures);
    expect(result.outages.map(({ relay }) => relay)).toEqual(['A', 'B']);
    // Both relays served requests.
    expect(result.proxy?.answered.every((n) => n > 0)).toBe(true);
  });
});
