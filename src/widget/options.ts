/**
 * Widget options, parsed once at the edge: from `mount()` objects and from the script tag's
 * `data-*` attributes (same names, kebab-case), into one typed config with defaults.
 */
import { PREFILL_KEYS, type Prefill } from '../submitter/prefill';
import { isWebUrl } from '../shared/formats';
import type { TicketAccepted } from '../shared/relay-contract';
import type { IdentitySource } from '../submitter/submit-ticket';
import { MESSAGE_KEYS, type MessageKey } from './i18n';

/** `{ ticketId }` once a ticket exists, or `{ queued: true, reference }` when the relay queued it for Socialboards. */
export type SubmittedDetail = TicketAccepted;
export interface ErrorDetail {
  code: string;
}

/** Options accepted by `mount()`. */
export interface MountOptions {
  /** The relay's base URL (absolute, or relative to the page). Required. */
  relay: string;
  /** Language tag (`en`, `nb`); default: `<html lang>`, then the browser's languages. */
  locale?: string;
  /** Overrides for any text the widget shows, by message key. */
  messages?: Partial<Record<MessageKey, string>>;
  /** Nonce for the fallback `<style>` element where constructable stylesheets are missing. */
  nonce?: string;
  /** Time limit per send attempt, in milliseconds (default 30000). */
  timeoutMs?: number;
  /**
   * Values from the page: built-in fields by name (`name`, `email`, …), `categoryId`, and custom
   * fields by id under `fields` (`{ fields: { 42623: 'Oslo' } }`). Validated like typed values.
   */
  prefill?: Prefill;
  /** Show prefilled fields read-only: all (`true`) or those named (`['email', '42623']`). */
  lockFields?: boolean | string[];
  /**
   * A signed identity token from your server (docs/identity.md), or a function returning one (or a
   * promise of one), called each time the visitor sends; return nothing for an anonymous visitor.
   */
  identity?: IdentitySource;
  /** Keep what the visitor types on their device until it is sent (default true); sensitive fields never. */
  draft?: boolean;
  /** Days a draft, and a message waiting to be sent, are kept on the device (default 7). */
  draftDays?: number;
  /**
   * Called once the relay has the message: a ticket exists, or the relay queued it for Socialboards.
   * The same detail is dispatched as a `socialboards-ticket:submitted` event.
   */
  onSubmitted?: (detail: SubmittedDetail) => void;
  /** Called when a submission fails. Also dispatched as `socialboards-ticket:error`. */
  onError?: (detail: ErrorDetail) => void;
}

/** The config the rest of the widget receives. */
export type WidgetConfig = MountOptions;

/**
 * Options that no longer exist, with where their job went: named on the console instead of a bare
 * "unknown option", so an integrator upgrading knows what to do.
 */
const RETIRED: Record<string, string> = {
  requireEmail: "the relay decides: set RELAY_REQUIRE_EMAIL or builtIn.email.required in the relay's RELAY_FORM_CONFIG",
};

/** An http(s) URL, absolute or relative to the page (outside a page, such as in Node, absolute only). */
const isHttpUrl = (value: string) => isWebUrl(value, globalThis.location?.href);

type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === 'string';
const isFunction: Check = (value) => typeof value === 'function';
const isBoolean: Check = (value) => typeof value === 'boolean';

// One check per option, with what it expects in words, so a problem names exactly the option at
// fault. Plain checks rather than a valibot schema: these never leave the browser, and every
// byte of the script tag counts.
const OPTIONS: Record<keyof MountOptions, [Check, string]> = {
  relay: [(value) => isString(value) && isHttpUrl(value as string), 'an http(s) URL'],
  locale: [(value) => isString(value) && /^[a-z]{2,3}([-_][a-z\d]{2,8})*$/i.test(value as string), 'a language tag such as "en" or "nb-NO"'],
  messages: [
    (value) => typeof value === 'object' && value !== null && Object.values(value).every(isString),
    'an object of message texts (JSON in data-messages)',
  ],
  nonce: [isString, 'a string'],
  timeoutMs: [(value) => Number.isInteger(value) && (value as number) >= 1000 && (value as number) <= 120_000, 'a whole number of milliseconds from 1000 to 120000'],
  prefill: [(value) => typeof value === 'object' && value !== null, 'an object like { "email": "…", "fields": { "42623": "Oslo" } }'],
  lockFields: [
    (value) => isBoolean(value) || (Array.isArray(value) && value.every((one) => isString(one) || Number.isInteger(one))),
    'true, false or a list of field names and ids',
  ],
  identity: [(value) => isString(value) || isFunction(value), 'a signed token or a function returning one'],
  draft: [isBoolean, 'true or false'],
  draftDays: [(value) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 365, 'a whole number of days from 1 to 365'],
  onSubmitted: [isFunction, 'a function'],
  onError: [isFunction, 'a function'],
};


/** A value as an integrator would recognise it; never throws (BigInt, cycles). */
const show = (value: unknown) => {
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export interface ParsedOptions {
  /** The config, or undefined when a required option is missing or invalid. */
  config?: WidgetConfig;
  /** One sentence per problem, naming the option. */
  problems: string[];
}

/** Validates raw options; unknown or bad optional ones are reported and ignored. */
export function parseOptions(raw: unknown, fromData = false): ParsedOptions {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null) {
    return { problems: ['options must be an object with at least { relay: "https://…" }'] };
  }
  /** How an option is spelled where the integrator wrote it. */
  const describe = (name: string) => (fromData ? `data-${kebab(name)}` : `option "${name}"`);
  /** An object option's entries whose keys we know; each other key is reported and left out. */
  const knownKeys = (name: string, isKnown: (key: string) => boolean) =>
    Object.fromEntries(
      Object.entries(config[name] as object).filter(
        ([key]) => isKnown(key) || !problems.push(`${describe(name)} has an unknown key "${key}" (ignored)`),
      ),
    );
  const config: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (name in RETIRED) {
      problems.push(`${describe(name)} was ignored: ${RETIRED[name]}`);
      continue;
    }
    if (!(name in OPTIONS)) {
      problems.push(`unknown ${describe(name)} was ignored`);
      continue;
    }
    const [check, expected] = OPTIONS[name as keyof MountOptions];
    if (!check(value)) {
      problems.push(`${describe(name)} must be ${expected}; got ${show(value)}`);
      continue;
    }
    config[name] = value;
  }
  if (config.messages) config.messages = knownKeys('messages', (key) => MESSAGE_KEYS.has(key));
  if (config.prefill) config.prefill = knownKeys('prefill', (key) => PREFILL_KEYS.includes(key));
  if (!('relay' in config)) {
    // A relay that was given but invalid has been reported above; only a missing one is reported here.
    if ((raw as { relay?: unknown }).relay === undefined) {
      problems.push(`${describe('relay')} is required: the URL of your Socialboards relay`);
    }
    return { problems };
  }
  return { config: config as unknown as WidgetConfig, problems };
}

/**
 * Reads options from a script tag's dataset (camelCase keys), converting text to the option's
 * type. `data-field-<id>` attributes become `prefill.fields`; `data-lock-fields` takes `true`
 * or a comma-separated list.
 */
export function optionsFromDataset(dataset: Record<string, string | undefined>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const fields: Record<string, string> = {};
  for (const [name, text] of Object.entries(dataset)) {
    if (name === 'target' || text === undefined) continue;
    // dataset keeps `data-field-42623` as `field-42623`: a hyphen before a digit is not camel-cased.
    const field = /^field-?(\d+)$/.exec(name)?.[1];
    if (field) {
      fields[field] = text;
      continue;
    }
    let value: unknown = text;
    if (name === 'lockFields' && !/^(true|false)$/.test(text)) value = text === '' || text.split(',').map((one) => one.trim());
    else if (name in OPTIONS && (text[0] == '"' || !OPTIONS[name as keyof MountOptions][0](text))) {
      // Text the option does not take is read as JSON (`data-timeout-ms="5000"`, `data-draft="false"`,
      // `data-messages='{…}'`), as is a quoted string (`data-relay='"https://…"'`), and kept as text
      // where that fails, so the problem shows the value. Only then: a JSON.parse that throws costs
      // a page with DevTools attached about 20 ms of CPU per exception (measured at startup).
      try {
        value = JSON.parse(text);
      } catch {
        // not JSON: the text itself
      }
    }
    options[name] = value;
  }
  if (Object.keys(fields).length) {
    const prefill = (options.prefill ?? {}) as Prefill;
    options.prefill = typeof prefill === 'object' ? { ...prefill, fields: { ...prefill.fields, ...fields } } : prefill;
  }
  return options;
}
