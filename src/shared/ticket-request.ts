/**
 * The relay's request contract: the JSON body of `POST {relay}/tickets`. The widget validates
 * with it as the visitor types; the relay validates again with the very same schema.
 *
 * Names follow Socialboards' Create Ticket body where one exists (`title`, `message`,
 * `sentiment`, `creator.*`, `customFields[].id/value`, `attachments`), so the API docs read across.
 */
import * as v from 'valibot';
import { cleanLine, cleanLines, cleanText } from './clean-text';
import { fitsLocalPart, isEmail, isPhone } from './formats';
import { LIMITS } from './limits';

export const SENTIMENTS = ['question', 'praise', 'suggestion', 'complaint'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

// Plain `check`s stand in for valibot's nonEmpty, integer, minValue and regex: the same rules,
// and four fewer validators in the widget's bundle.

/** A required string: cleaned (clean-text.ts), trimmed, not blank, capped. */
const requiredText = (max: number, clean: (text: string) => string) =>
  v.pipe(
    v.string('required'),
    ...cleanText(clean),
    v.trim(),
    v.check((value) => value !== '', 'required'),
    v.maxLength(max, 'too_long'),
  );

/** A positive whole number: an id. */
const Id = v.pipe(v.number('invalid'), v.check((id) => Number.isInteger(id) && id > 0, 'invalid'));

/** An optional single-line string: cleaned, trimmed and capped; blank counts as absent. */
const optionalLine = (max: number) =>
  v.optional(
    v.pipe(
      v.string('invalid'),
      ...cleanText(cleanLine),
      v.trim(),
      v.maxLength(max, 'too_long'),
      v.transform((value) => value || undefined),
    ),
  );

const Email = v.optional(
  v.pipe(
    v.string('invalid_email'),
    ...cleanText(cleanLine),
    v.trim(),
    v.maxLength(LIMITS.email, 'too_long'),
    v.check((value) => value === '' || isEmail(value), 'invalid_email'),
    v.check(fitsLocalPart, 'email_local_too_long'),
    v.transform((value) => value || undefined),
  ),
);

const Phone = v.optional(
  v.pipe(
    v.string('invalid_phone'),
    ...cleanText(cleanLine),
    v.trim(),
    v.maxLength(LIMITS.phone, 'too_long'),
    v.check((value) => value === '' || isPhone(value), 'invalid_phone'),
    v.transform((value) => value || undefined),
  ),
);

/** The visitor who writes the ticket (Socialboards' Ticket Creator, minus what visitors must not set). */
export const Creator = v.strictObject(
  {
    name: optionalLine(LIMITS.name),
    email: Email,
    phoneNumber: Phone,
  },
  'unknown_field',
);

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

/** What a relay asks of every request beyond the schema's own rules. */
export interface TicketPolicy {
  /** Whether `creator.email` must be given (the default; the relay and widget must agree). */
  emailRequired: boolean;
}

export const DEFAULT_POLICY: TicketPolicy = { emailRequired: true };

/** Builds the request schema for a policy; widget and relay call it with the same policy. */
export function createTicketRequestSchema(policy: TicketPolicy = DEFAULT_POLICY) {
  return v.pipe(
    v.strictObject(
      {
        title: requiredText(LIMITS.title, cleanLine),
        message: requiredText(LIMITS.message, cleanLines),
        sentiment: v.optional(v.picklist(SENTIMENTS, 'invalid_choice')),
        creator: Creator,
        customFields: v.optional(
          v.pipe(v.array(CustomFieldValue, 'invalid'), v.maxLength(LIMITS.customFields, 'too_many')),
        ),
        attachments: v.optional(
          v.pipe(v.array(AttachmentRef, 'invalid'), v.maxLength(LIMITS.attachments, 'too_many')),
        ),
        categoryId: v.optional(Id),
        /** A signed identity token from the site's server (docs/identity.md); the relay verifies it. */
        identity: v.optional(v.pipe(v.string('invalid'), v.maxLength(LIMITS.identity, 'too_long'))),
        verification: v.optional(Verification),
      },
      'unknown_field',
    ),
    // partialCheck runs even when other fields are wrong, so a visitor sees every problem at once.
    v.forward(
      v.partialCheck(
        [['creator', 'email']],
        (input) => !policy.emailRequired || Boolean(input.creator.email),
        'required',
      ),
      ['creator', 'email'],
    ),
  );
}

/** The request schema under the default policy. */
export const TicketRequest = /* @__PURE__ */ createTicketRequestSchema();
/** A validated request, as the relay maps it upstream. */
export type TicketRequest = v.InferOutput<typeof TicketRequest>;
/** A request as the widget builds it, before trimming. */
export type TicketRequestInput = v.InferInput<typeof TicketRequest>;
