/**
 * `npm run bench:faults`: the fault-injection suite (issue 9). Visitors drive the widget's own
 * submitter against real relay processes while Socialboards fails, hangs and answers late and the
 * relays are SIGKILLed; prints per scenario what became of every Send. Loopback only; each
 * scenario bounded by a deadline; every child process is killed on the way out. Exits 0 whether or
 * not the goal is met (it is a benchmark), 1 when the harness itself fails.
 *
 *   npm run bench:faults -- [--scenario sqlite,redis,baseline] [--submissions 500] [--widgets 20]
 *                           [--deadline-s 360] [--seed 9] [--offline-share 0]
 *
 * `--offline-share 0.05` presses that share of the Sends with the browser offline, so their
 * messages wait in the browser outbox and are delivered by a later visit or the drain.
 */
import { parseArgs } from 'node:util';
import { killChildrenOnExit } from './processes';
import { FAULT_MIX, runScenario } from './scenario';
import type { ScenarioSpec } from './scenario';
import { formatFigures } from './tally';

/** The issue's scenarios, and a baseline for time to ticket. */
const SCENARIOS: Record<string, ScenarioSpec> = {
  sqlite: {
    name: 'embedded store (SQLite file), one relay, SIGKILLed once mid-run',
    store: 'sqlite',
    relays: 1,
    kills: [{ relay: 0, afterShare: 0.5 }],
    faults: true,
  },
  redis: {
    name: 'Redis, two relays behind a round-robin proxy, each SIGKILLed once (A, then B)',
    store: 'redis',
    relays: 2,
    kills: [
      { relay: 0, afterShare: 0.3 },
      { relay: 1, afterShare: 0.65 },
    ],
    faults: true,
  },
  baseline: {
    name: 'baseline: SQLite, one relay, no faults, no kill',
    store: 'sqlite',
    relays: 1,
    kills: [],
    faults: false,
  },
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'sqlite,redis,baseline' },
    submissions: { type: 'string', default: '500' },
    widgets: { type: 'string', default: '20' },
    'deadline-s': { type: 'string', default: '360' },
    seed: { type: 'string', default: '9' },
    'offline-share': { type: 'string', default: '0' },
  },
});

const whole = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1, got "${text}"`);
  return value;
};

const offlineShare = Number(values['offline-share']);
if (!(offlineShare >= 0 && offlineShare <= 1)) throw new Error(`--offline-share must be a number from 0 to 1, got "${values['offline-share']}"`);

killChildrenOnExit();
const chosen = values.scenario.split(',').map((name) => name.trim());
const unknown = chosen.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; there are ${Object.keys(SCENARIOS).join(', ')}`);
const options = {
  submissions: whole('submissions', values.submissions),
  widgets: whole('widgets', values.widgets),
  deadlineMs: whole('deadline-s', values['deadline-s']) * 1000,
  seed: whole('seed', values.seed),
};
const { error, hang, lateSuccess } = FAULT_MIX;
console.log(
  `fault-injection suite: ${options.submissions} Sends from ${options.widgets} widgets per scenario; Socialboards' Create Ticket ` +
    `fails ${error * 100} %, hangs ${hang * 100} %, answers ${lateSuccess * 100} % after the relay gave up (relay timeout 2 s); ` +
    `a killed relay is started again 5 s later; deadline ${options.deadlineMs / 1000} s per scenario` +
    (offlineShare > 0 ? `; ${offlineShare * 100} % of the Sends pressed offline` : ''),
);

const summary: string[] = [];
for (const name of chosen) {
  const spec = { ...(SCENARIOS[name] as ScenarioSpec), offlineShare };
  console.log(`\n[${name}] ${spec.name}`);
  const result = await runScenario(spec, {
    ...options,
    restartGapMs: 5000,
    // The drain gets at least two minutes, or a third of a short deadline.
    drainMs: Math.min(120_000, options.deadlineMs / 3),
    say: (line) => console.log(line),
  });
  const lines = formatFigures(result.figures);
  console.log(`\n[${name}] results after ${(result.wallMs / 1000).toFixed(0)} s${result.cutShort ? ` (cut short: ${result.cutShort})` : ''}`);
  for (const line of lines) console.log(line);
  if (result.outages.length > 0) console.log(`  relays away: ${result.outages.map(({ relay, downMs }) => `${relay} ${(downMs / 1000).toFixed(1)} s`).join(', ')} (SIGKILL to /healthz answering)`);
  const logged = Object.entries(result.relayLog).map(([what, n]) => `${what} ${n}`);
  if (logged.length > 0) console.log(`  relay logs: ${logged.join(', ')}`);
  if (result.proxy) console.log(`  proxy: answered by A ${result.proxy.answered[0]}, B ${result.proxy.answered[1]}; refused and passed on ${result.proxy.skipped}; reset ${result.proxy.reset}`);
  summary.push(`[${name}] ${lines[lines.length - 1]?.trim()}`);
}
console.log(`\n${summary.join('\n')}`);
// Keep-alive sockets and the like must not hold the suite open: it stops by itself.
process.exit(0);
