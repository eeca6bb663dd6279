/**
 * The built-in fields: what every ticket form asks, as field specs of the same shape as custom
 * fields. This table is the one place a built-in field is declared; its label lives in the widget's
 * catalogue under its name. The relay's form config may hide, require, relabel and reorder them.
 */
import type { FormField } from './form-definition';
import { LIMITS } from './limits';

/** Socialboards' sentiments (Create Ticket's `sentiment`). */
export const SENTIMENTS = ['question', 'praise', 'suggestion', 'complaint'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];
/** True for one of Socialboards' sentiments. */
export const isSentiment = (value: unknown): value is Sentiment => (SENTIMENTS as readonly unknown[]).includes(value);

/**
 * In their default order. Title and message are always asked (ASSUMED required by Socialboards,
 * docs/socialboards-api.md §4); email is required unless the operator says otherwise.
 */
export const BUILT_IN_FIELDS = [
  { path: 'title', control: 'text', required: true, maxLength: LIMITS.title },
  { path: 'message', control: 'multiline', required: true, maxLength: LIMITS.message },
  { path: 'sentiment', control: 'radio', required: false, choices: SENTIMENTS.map((value) => ({ value })) },
  { path: 'creator.name', control: 'text', required: false, maxLength: LIMITS.name, autocomplete: 'name', half: true },
  { path: 'creator.email', control: 'email', required: true, maxLength: LIMITS.email, autocomplete: 'email', half: true },
  { path: 'creator.phoneNumber', control: 'phone', required: false, maxLength: LIMITS.phone, autocomplete: 'tel' },
] as const satisfies readonly FormField[];

type LastSegment<P extends string> = P extends `${string}.${infer Rest}` ? LastSegment<Rest> : P;

/** A built-in field's request path: `title`, `message`, `sentiment`, `creator.name`, `creator.email`, `creator.phoneNumber`. */
export type BuiltInPath = (typeof BUILT_IN_FIELDS)[number]['path'];
/** A built-in field's name (the last segment of its path): `title`, `message`, `sentiment`, `name`, `email`, `phoneNumber`. */
export type BuiltInName = LastSegment<BuiltInPath>;
/** Built-in fields at the request's top level (`title`, …). */
export type TopLevelName = Exclude<BuiltInPath, `${string}.${string}`>;
/** Built-in fields under the request's `creator` (`name`, `email`, `phoneNumber`). */
export type CreatorName = BuiltInPath extends infer P ? (P extends `creator.${infer Name}` ? Name : never) : never;

/** The names of the built-in fields at the top level and under `creator`, in table order. (Pure: the widget, which has no use for them, leaves them out.) */
export const TOP_LEVEL_NAMES = /* @__PURE__ */ BUILT_IN_FIELDS.map(({ path }) => path).filter((path): path is TopLevelName => !path.includes('.'));
export const CREATOR_NAMES = /* @__PURE__ */ BUILT_IN_FIELDS.map(({ path }) => path)
  .filter((path) => path.startsWith('creator.'))
  .map((path) => path.slice('creator.'.length) as CreatorName);

/** Built-in fields that every form asks and the operator can neither hide nor make optional. */
export const ALWAYS_ASKED: readonly BuiltInName[] = ['title', 'message'];
