/**
 * How the benchmark's floor (floor.ts) writes its keys: its stores, checkpoints and defaults, and
 * their words in the report. A module of its own, free of side effects, so that the floor (a child
 * process) and the report take them without loading the harness (and with it autocannon).
 */

export const FLOOR_STORES = ['main', 'thread', 'none'] as const;
export const FLOOR_CHECKPOINTS = ['auto', 'off'] as const;
export type FloorStore = (typeof FLOOR_STORES)[number];
export type FloorCheckpoints = (typeof FLOOR_CHECKPOINTS)[number];

/** FLOOR_STORE and FLOOR_CHECKPOINTS. */
export interface FloorOptions {
  store: FloorStore;
  checkpoints: FloorCheckpoints;
}

/** Each write a transaction on the event loop, SQLite's own checkpoints. */
export const DEFAULT_FLOOR: FloorOptions = { store: 'main', checkpoints: 'auto' };

/** The options if both are known values; undefined otherwise. */
export function floorOptions(store: string, checkpoints: string): FloorOptions | undefined {
  const isStore = (value: string): value is FloorStore => (FLOOR_STORES as readonly string[]).includes(value);
  const isCheckpoints = (value: string): value is FloorCheckpoints => (FLOOR_CHECKPOINTS as readonly string[]).includes(value);
  return isStore(store) && isCheckpoints(checkpoints) ? { store, checkpoints } : undefined;
}

/** How the floor wrote its keys, in words, for the report. */
export const describeFloor = ({ store, checkpoints }: FloorOptions) =>
  store === 'none' ? 'keys written nowhere' : `keys written on ${store === 'main' ? 'the event loop' : 'a thread'}, checkpoints ${checkpoints}`;
