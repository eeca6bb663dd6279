/**
 * Failure as a value, like valibot's `safeParse`: the one result shape the submitter and the relay
 * return from anything that can fail in an expected way. Exceptions stay for bugs.
 */

/** A success carrying `value`, or a failure carrying `error` (a code, usually with details). */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/** A success. */
export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

/** A failure. */
export const fail = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
