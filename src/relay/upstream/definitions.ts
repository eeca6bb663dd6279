/**
 * Socialboards' custom field and category objects as the relay reads them: tolerantly, because
 * the documentation shows one example of each and no schema (docs/socialboards-api.md §5.4–§5.6).
 */
import * as v from 'valibot';

const integer = v.pipe(v.number(), v.integer());
/** A flag that may be missing or null; absent means false. */
const flag = v.pipe(v.optional(v.nullable(v.boolean()), null), v.transform((value) => value ?? false));
/** A string that may be missing or null. */
const maybeText = v.optional(v.nullable(v.string()), null);

/**
 * A Custom Field (§5.4). Extra keys are allowed and dropped (`assignedCategoryIds` is obsolete,
 * `value` is null in a definition); `possibleValues` may be null or missing (none).
 */
export const CustomFieldDefinition = v.object({
  id: integer,
  name: v.string(),
  type: v.string(),
  order: v.optional(v.nullable(v.number()), null),
  isHidden: flag,
  isRequired: flag,
  isSensitiveData: flag,
  placeholder: maybeText,
  defaultValue: maybeText,
  possibleValues: v.pipe(
    v.optional(v.nullable(v.array(v.object({ order: v.optional(v.nullable(v.number()), null), value: v.string() }))), null),
    v.transform((values) => values ?? []),
  ),
});
export type CustomFieldDefinition = v.InferOutput<typeof CustomFieldDefinition>;

/**
 * A Category (§5.6, ASSUMED camelCase twin of the webhook's `{Id, Name, Parents}`). The element
 * type of `parents` is UNKNOWN: an id or a Category object are both read as an id. Their order is
 * ASSUMED to be from the root down, so the direct parent is the last one.
 */
export const CategoryDefinition = v.object({
  id: integer,
  name: v.string(),
  parents: v.pipe(
    v.optional(
      v.nullable(v.array(v.union([integer, v.pipe(v.object({ id: integer }), v.transform((parent) => parent.id))]))),
      null,
    ),
    v.transform((parents) => parents ?? []),
  ),
});
export type CategoryDefinition = v.InferOutput<typeof CategoryDefinition>;

/**
 * Reads a list answer item by item: an item that does not fit is skipped and reported by index and
 * key path (never by value), so one odd field cannot take the whole form down.
 */
export function readList<TSchema extends v.GenericSchema>(
  schema: TSchema,
  data: unknown,
): { items: v.InferOutput<TSchema>[]; skipped: { index: number; keys: string[] }[] } | undefined {
  if (!Array.isArray(data)) return undefined;
  const items: v.InferOutput<TSchema>[] = [];
  const skipped: { index: number; keys: string[] }[] = [];
  data.forEach((item: unknown, index) => {
    const result = v.safeParse(schema, item);
    if (result.success) items.push(result.output);
    else skipped.push({ index, keys: [...new Set(result.issues.map((issue) => v.getDotPath(issue) ?? '(item)'))] });
  });
  return { items, skipped };
}
