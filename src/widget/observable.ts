/**
 * Observable values for a widget's state: cells with a `.value` that tell the widget when they
 * change, so it re-renders. (Why not @preact/signals: see README, "Dependencies and why".)
 */

/** One value that reports its changes. */
export interface Cell<T> {
  value: T;
}

/** A widget's cells, sharing one set of listeners: any change re-renders the whole widget. */
export function createCells() {
  const listeners = new Set<() => void>();
  return {
    /** A new cell holding `initial`. */
    cell<T>(initial: T): Cell<T> {
      let current = initial;
      return {
        get value() {
          return current;
        },
        set value(next) {
          if (next === current) return;
          current = next;
          for (const listener of listeners) listener();
        },
      };
    },
    /** Calls `listener` after every change; returns the unsubscribe function. */
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Cells = ReturnType<typeof createCells>;
