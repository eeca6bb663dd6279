/**
 * The Big List of Naughty Strings, every one in every text field, over real HTTP to the relay and
 * on to the fake Socialboards: each field arrives exactly as the clean-text rules say, or the
 * request is refused naming exactly the fields the rules refuse, with their codes. Never a 500.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fitsLocalPart, isEmail, isPhone } from '../../../src/shared/formats';
import { LIMITS } from '../../../src/shared/limits';
import { expectedOutcome, NAUGHTY_STRINGS, type Outcome, type TextField } from '../../shared/naughty-strings';
import { startHarness, type FakeTicket, type Harness } from './harness';

const TEXT_ID = 42625;
const MULTILINE_ID = 42628;
const CUSTOM_MAX = 500;
const FORM = {
  fields: [
    { id: TEXT_ID, required: false, maxLength: CUSTOM_MAX },
    { id: MULTILINE_ID, maxLength: CUSTOM_MAX },
  ],
};

interface Slot {
  field: TextField;
  /** What a request carries when this field's string is refused (undefined: left out). */
  standIn?: string;
  read(ticket: FakeTicket): unknown;
}

const custom = (ticket: FakeTicket, id: number) =>
  (ticket.body.customFields as { id: number; value: string }[]).find((entry) => entry.id === id)?.value ?? null;
const creator = (ticket: FakeTicket) => ticket.body.creator as Record<string, unknown>;

/** Every text field a visitor can fill, by its path in the request. */
const SLOTS: Record<string, Slot> = {
  title: { field: { multiline: false, max: LIMITS.title, required: true }, standIn: 'x', read: (ticket) => ticket.body.title },
  message: { field: { multiline: true, max: LIMITS.message, required: true }, standIn: 'x', read: (ticket) => ticket.body.message },
  'creator.name': { field: { multiline: false, max: LIMITS.name, required: false }, read: (ticket) => creator(ticket).name },
  'creator.email': {
    field: { multiline: false, max: LIMITS.email, required: true, formats: [[isEmail, 'invalid_email'], [fitsLocalPart, 'email_local_too_long']] },
    standIn: 'ann@example.com',
    read: (ticket) => creator(ticket).email,
  },
  'creator.phoneNumber': {
    field: { multiline: false, max: LIMITS.phone, required: false, formats: [[isPhone, 'invalid_phone']] },
    read: (ticket) => creator(ticket).phoneNumber,
  },
  [`customFields.${TEXT_ID}`]: { field: { multiline: false, max: CUSTOM_MAX, required: false }, read: (ticket) => custom(ticket, TEXT_ID) },
  [`customFields.${MULTILINE_ID}`]: { field: { multiline: true, max: CUSTOM_MAX, required: false }, read: (ticket) => custom(ticket, MULTILINE_ID) },
};

/** A request body with `values` by path. */
function body(values: Record<string, string | undefined>) {
  const customFields = [TEXT_ID, MULTILINE_ID].flatMap((id) => {
    const value = values[`customFields.${id}`];
    return value === undefined ? [] : [{ id, value }];
  });
  return {
    title: values.title,
    message: values.message,
    creator: { name: values['creator.name'], email: values['creator.email'], phoneNumber: values['creator.phoneNumber'] },
    customFields,
  };
}

let harness: Harness;
beforeAll(async () => {
  // About a thousand tickets from one address: the relay's ticket limits would (rightly) refuse most.
  harness = await startHarness({ RELAY_RATE_LIMIT_TICKETS: 'off', RELAY_RATE_LIMIT_TICKETS_PER_ORIGIN: 'off', RELAY_RATE_LIMIT_REQUESTS: 'off' }, { form: FORM });
});
afterAll(async () => {
  await harness.close();
});

it('every naughty string in every text field arrives as the rules say, or is refused with the rules’ code', async () => {
  /** For each created ticket, what each field must hold at Socialboards. */
  const promised = new Map<number, { text: string; arrives: Record<string, string | null> }>();
  const unexpected: string[] = [];
  let refusals = 0;

  for (const text of NAUGHTY_STRINGS) {
    const outcomes = Object.entries(SLOTS).map(([path, slot]): [string, Outcome] => [path, expectedOutcome(text, slot.field)]);
    const refused = outcomes.flatMap(([path, outcome]) => ('refused' in outcome ? [{ path, code: outcome.refused }] : []));

    const first = await harness.post(body(Object.fromEntries(outcomes.map(([path]) => [path, text]))));
    if (refused.length > 0) {
      refusals += 1;
      const answer = (await first.json()) as { error?: { code: string; fields?: { path: string; code: string }[] } };
      const named = (answer.error?.fields ?? []).map(({ path, code }) => ({ path, code }));
      if (first.status !== 400 || answer.error?.code !== 'validation' || JSON.stringify(sortByPath(named)) !== JSON.stringify(sortByPath(refused))) {
        unexpected.push(`${JSON.stringify(text)}: expected 400 naming ${JSON.stringify(refused)}, got ${first.status} ${JSON.stringify(answer)}`);
        continue;
      }
    }
    // Refused or not, the fields the rules accept must arrive: sent again with stand-ins for the others.
    const created = refused.length === 0 ? first : await harness.post(
      body(Object.fromEntries(outcomes.map(([path, outcome]) => [path, 'refused' in outcome ? SLOTS[path]?.standIn : text]))),
    );
    if (created.status !== 201) {
      unexpected.push(`${JSON.stringify(text)}: expected 201, got ${created.status} ${await created.text()}`);
      continue;
    }
    const { ticketId } = (await created.json()) as { ticketId: number };
    const arrives = Object.fromEntries(outcomes.flatMap(([path, outcome]) => ('arrives' in outcome ? [[path, outcome.arrives]] : [])));
    promised.set(ticketId, { text, arrives });
  }

  const tickets = new Map((await harness.fakeTickets()).map((ticket) => [ticket.id, ticket]));
  for (const [ticketId, { text, arrives }] of promised) {
    const ticket = tickets.get(ticketId);
    for (const [path, value] of Object.entries(arrives)) {
      const got = ticket === undefined ? 'no ticket' : SLOTS[path]?.read(ticket);
      if (got !== value) unexpected.push(`${JSON.stringify(text)} in ${path}: expected ${JSON.stringify(value)}, Socialboards got ${JSON.stringify(got)}`);
    }
  }

  expect(unexpected).toEqual([]);
  expect(promised.size).toBe(NAUGHTY_STRINGS.length);
  // The list is naughty enough that the rules refuse some of it somewhere (emails, mostly).
  expect(refusals).toBeGreaterThan(0);
}, 120_000);

const sortByPath = (issues: { path: string; code: string }[]) => [...issues].sort((a, b) => a.path.localeCompare(b.path));
