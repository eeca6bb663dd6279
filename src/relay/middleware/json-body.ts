/** JSON bodies: read as strict UTF-8, validated against a schema, and refused with 400 `validation` listing the bad fields. */
import { sValidator } from '@hono/standard-validator';
import type { Context, MiddlewareHandler } from 'hono';
import type * as v from 'valibot';
import { toFieldIssues } from '../../shared/field-issues';
import type { FieldIssue } from '../../shared/field-issues';
import { fail, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import { errorResponse } from '../error-response';
import { invalidFields } from '../field-errors';
import type { InvalidFields } from '../field-errors';
import type { RelayEnv } from '../relay-env';

/**
 * Judges a body the schema has checked: `issues` are the schema's (none when it passed). Answers
 * what to refuse it with, or undefined to take it; a judge can only add refusals: a body the
 * schema refused is refused whatever the judge says.
 */
export type JudgeBody = (body: Readonly<Record<string, unknown>>, issues: readonly FieldIssue[]) => InvalidFields | undefined;

export interface JsonBodyOptions {
  /** Defaults to refusing exactly the schema's issues. */
  judge?: JudgeBody;
}

/** What the route sees: `c.req.valid('json')` is the schema's output. */
type JsonInput<S extends v.GenericSchema> = { in: { json: v.InferInput<S> }; out: { json: v.InferOutput<S> } };

const refuseIssues: JudgeBody = (_body, issues) => (issues.length === 0 ? undefined : invalidFields(issues));

/**
 * Validates the JSON body against `schema` with `@hono/standard-validator`; the route reads the
 * schema's output with `c.req.valid('json')`. A body that is not UTF-8, not JSON or not an object,
 * or that `judge` refuses, is answered with 400 `validation` before the route runs. Runs after
 * `requireJson` and `bodyLimit`, so it reads a JSON body of a bounded size.
 *
 * The schema is a valibot schema (any Standard Schema would do for the validator, but the field
 * list is built from valibot's issues).
 */
export function jsonBody<S extends v.GenericSchema>(schema: S, { judge = refuseIssues }: JsonBodyOptions = {}): MiddlewareHandler<RelayEnv, string, JsonInput<S>> {
  const validate = sValidator('json', schema, (result, c: Context<RelayEnv>) => {
    const body: unknown = result.data;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return errorResponse(c, 'validation', { message: 'The request body must be a JSON object.', fields: [] });
    }
    // valibot's Standard Schema interface reports valibot's own issues (its `~standard.validate`
    // returns `dataset.issues`), which carry what field codes are made of (type, expected, requirement).
    const issues = result.success ? [] : toFieldIssues(result.error as readonly v.BaseIssue<unknown>[]);
    const invalid = judge(body as Record<string, unknown>, issues) ?? (result.success ? undefined : invalidFields(issues));
    // Never the validator's own 400, which would echo the body in a shape that is not ours.
    if (invalid !== undefined) return errorResponse(c, 'validation', invalid);
    return undefined;
  });
  return async (c, next) => {
    const text = await readStrictJson(c.req.raw);
    if (!text.ok) return errorResponse(c, 'validation', { message: text.error });
    // Hono's validator reads the body with `Request.text()`, which would turn bytes that are not
    // UTF-8 into U+FFFD silently, altering what the visitor sent. So the body is decoded strictly
    // here, and the validator is handed the text we decoded through the request's body cache, where
    // `c.req.json()` looks first (as Hono's validator itself caches form data there): no second
    // Request and web stream to carry it. The cache holds promises (`json()` calls `.then` on what
    // it finds), though Hono's types declare plain values: hence the cast.
    c.req.bodyCache.text = Promise.resolve(text.value) as unknown as string;
    return validate(c, next);
  };
}

/**
 * `fatal`: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD. A leading byte
 * order mark is skipped (the default): RFC 8259 §8.1 lets a parser ignore it, and it is no part of
 * the text.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const NOT_JSON = 'The request body is not valid JSON.';

/**
 * The body as text, if it is UTF-8 exactly as sent (refused, never repaired) and parses as JSON;
 * or the message a `validation` answer gives. Parsing it here, though the validator parses it
 * again, keeps a malformed body our `validation` answer: Hono's validator throws on one, which
 * would reach the app's error handler as a 500.
 */
async function readStrictJson(request: Request): Promise<Result<string, string>> {
  // A body that breaks off while it is read is no JSON either.
  const bytes = await request.arrayBuffer().catch(() => undefined);
  if (bytes === undefined) return fail(NOT_JSON);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return fail('The request body is not valid UTF-8.');
  }
  try {
    JSON.parse(text);
  } catch {
    return fail(NOT_JSON);
  }
  return ok(text);
}
