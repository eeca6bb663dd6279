/** Schemas for environment values the relay's config modules share: whole numbers and true/false flags. */
import * as v from 'valibot';

/** A whole number from `min` to `max`. (Messages never quote the value: some are secrets.) */
export const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+$/, `must be an integer from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `must be an integer from ${min} to ${max}`),
    v.maxValue(max, `must be an integer from ${min} to ${max}`),
  );

/** A whole number from `min` to `max`, `fallback` when unset. */
export const integer = (min: number, max: number, fallback: number) => v.optional(wholeNumber(min, max), String(fallback));

/** `true` or `false` (any case), `fallback` when unset. */
export const flag = (fallback: 'true' | 'false') =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(['true', 'false'], 'must be true or false'),
      v.transform((value) => value === 'true'),
    ),
    fallback,
  );

/** The items of a comma-separated list, trimmed, blanks dropped. */
export const commaList = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);
