/**
 * `npm run bench:relay`: the relay's cost per ticket against a bare passthrough proxy (issue 11),
 * as a table and the goals, each GOAL MET or GOAL MISSED. A benchmark: it exits 0 whatever the
 * figures, 1 when the harness itself fails. Options: `--quick` (5 s per case), `--duration-s N`
 * (default 60), `--warmup-s N` (default 20), `--connections 100,1000`, `--subjects passthrough,floor,sqlite,redis`,
 * `--rate N` (N requests a second sent at fixed times, at most `connections` at once: paced-load.ts),
 * `--floor-store main|thread|none` and `--floor-checkpoints auto|off` (how the floor writes its keys: floor.ts).
 */
import { parseArgs } from 'node:util';
import { killAll, killChildrenOnExit } from '../faults/processes';
import { DEFAULT_FLOOR, describeFloor, FLOOR_CHECKPOINTS, FLOOR_STORES, floorOptions } from './floor-options';
import { runRelayBench, SUBJECTS, UPSTREAM_LATENCY_MS } from './harness';
import type { CaseResult, Subject } from './harness';
import { goals, table } from './report';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'duration-s': { type: 'string' },
    'warmup-s': { type: 'string' },
    connections: { type: 'string', default: '100,1000' },
    subjects: { type: 'string', default: SUBJECTS.join(',') },
    rate: { type: 'string' },
    'floor-store': { type: 'string', default: DEFAULT_FLOOR.store },
    'floor-checkpoints': { type: 'string', default: DEFAULT_FLOOR.checkpoints },
  },
});

const durationS = Number(values['duration-s'] ?? (values.quick ? 5 : 60));
const warmupS = Number(values['warmup-s'] ?? (values.quick ? 1 : 20));
const connections = values.connections.split(',').map(Number);
const subjects = values.subjects.split(',') as Subject[];
const rate = values.rate === undefined ? undefined : Number(values.rate);
const floor = floorOptions(values['floor-store'], values['floor-checkpoints']);
if (
  ![durationS, warmupS, ...connections].every((n) => Number.isFinite(n) && n >= 0) ||
  (rate !== undefined && !(rate > 0)) ||
  subjects.some((s) => !SUBJECTS.includes(s)) ||
  floor === undefined
) {
  console.error(
    `bench:relay: --duration-s, --warmup-s and --connections take numbers, --rate a number above 0; --subjects takes ${SUBJECTS.join(', ')}; --floor-store ${FLOOR_STORES.join(', ')}; --floor-checkpoints ${FLOOR_CHECKPOINTS.join(', ')}`,
  );
  process.exit(1);
}

killChildrenOnExit();
console.log(
  `relay benchmark: ${durationS} s per case after ${warmupS} s of warm-up, connections ${connections.join(', ')}, ` +
    `fake Create Ticket latency ${UPSTREAM_LATENCY_MS} ms, loopback` +
    (rate === undefined ? ", autocannon's closed loop" : `, paced at ${rate} requests/s (open loop; latency from each request's due time)`) +
    (subjects.includes('floor') ? `, the floor's ${describeFloor(floor)}` : '') +
    (values.quick ? ' (--quick: figures are indicative only)' : ''),
);
let results: CaseResult[];
try {
  results = await runRelayBench({ connections, subjects, durationS, warmupS, ...(rate === undefined ? {} : { rate }), floor, say: (line) => console.log(line) });
} catch (error) {
  console.error(`bench:relay: ${error instanceof Error ? error.message : String(error)}`);
  killAll();
  process.exit(1);
}
console.log(`\n${table(results)}\n`);
for (const line of goals(results)) console.log(line);
