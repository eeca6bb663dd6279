/**
 * The relay's request contract: the JSON body of `POST {relay}/tickets`, as a shape. What each
 * field's value must be (required, cleaned, capped, formatted) is the form's business: the field
 * specs of `GET /form` (form-definition.ts), checked by field-values.ts in the widget as the visitor
 * types and again in the relay. This schema only makes sure the body has the right shape, with no
 * key the relay does not know.
 *
 * Names follow Socialboards' Create Ticket body where one exists (`title`, `message`,
 * `sentiment`, `creator.*`, `customFields[].id/value`, `attachments`), so the API docs read across.
 */
import * as v from 'valibot';
import { CREATOR_NAMES, TOP_LEVEL_NAMES } from './built-in-fields';
import { LIMITS } from './limits';

/** A positive whole number: an id. */
const Id = v.pipe(v.number('invalid'), v.check((id) => Number.isInteger(id) && id > 0, 'invalid'));

/** A field's text, checked by its field spec later; null counts as absent. */
const Text = v.nullish(v.string('invalid'));

/** One text entry per name: the built-in fields' keys come from their table, never listed twice. */
const texts = <K extends string>(names: readonly K[]) => Object.fromEntries(names.map((name) => [name, Text])) as Record<K, typeof Text>;

/** The visitor who writes the ticket (Socialboards' Ticket Creator, minus what visitors must not set). */
export const Creator = v.strictObject(texts(CREATOR_NAMES), 'unknown_field');

/** A custom field value as Socialboards takes it: the field's id and a string. */
export const CustomFieldValue = v.strictObject(
  {
    id: Id,
    value: v.pipe(v.string('invalid'), v.maxLength(LIMITS.customFieldValue, 'too_long')),
  },
  'unknown_field',
);

/**
 * An attachment reference: the opaque id the relay returned for an upload. Never a URL,
 * so a visitor cannot make the relay send Socialboards an address of their choosing.
 */
export const AttachmentRef = v.pipe(v.string('invalid'), v.check((ref) => /^[\w-]{16,64}$/.test(ref), 'invalid'));

/**
 * What the widget tells the relay about how the form was filled (docs/spam.md): the honeypot's
 * value, the time from showing the form to sending it, and the challenge's token or solution.
 * The caps fit the longest a provider issues (Turnstile: 2048 characters) with room to spare.
 */
export const Verification = v.strictObject(
  {
    fillMs: v.optional(v.pipe(v.number('invalid'), v.check((ms) => Number.isInteger(ms) && ms >= 0, 'invalid'))),
    trap: v.optional(v.pipe(v.string('invalid'), v.maxLength(200, 'too_long'))),
    challenge: v.optional(v.pipe(v.string('invalid'), v.maxLength(8192, 'too_long'))),
  },
  'unknown_field',
);

/** The request body's shape. */
export const TicketRequest = v.strictObject(
  {
    ...texts(TOP_LEVEL_NAMES),
    creator: v.optional(Creator),
    customFields: v.optional(v.pipe(v.array(CustomFieldValue, 'invalid'), v.maxLength(LIMITS.customFields, 'too_many'))),
    attachments: v.optional(v.pipe(v.array(AttachmentRef, 'invalid'), v.maxLength(LIMITS.attachments, 'too_many'))),
    categoryId: v.optional(Id),
    /** A signed identity token from the site's server (docs/identity.md); the relay verifies it. */
    identity: v.optional(v.pipe(v.string('invalid'), v.maxLength(LIMITS.identity, 'too_long'))),
    verification: v.optional(Verification),
  },
  'unknown_field',
);
/** A request of the right shape, before its fields are checked against the form. */
export type TicketRequest = v.InferOutput<typeof TicketRequest>;
/** A request as the widget builds it. */
export type TicketRequestInput = v.InferInput<typeof TicketRequest>;
