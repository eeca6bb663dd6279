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
 * A Ticket from List Tickets (§4, §5.7), read for its id and its custom field values only. Within a
 * Ticket a value names its field `id` ("Custom Field Id with Value", §5.3); the filter's `key` is read
 * as well, and either may come as a digit string (ASSUMED lenient: the object's page could not be
 * read). A custom field entry that fits neither shape is left out, not the ticket.
 */
export const ListedTicket = v.object({
  id: integer,
  customFields: v.pipe(
    v.optional(v.nullable(v.array(v.unknown())), null),
    v.transform((items) =>
      (items ?? []).flatMap((item) => {
        const read = v.safeParse(ListedFieldValue, item);
        return read.success ? [read.output] : [];
      }),
    ),
  ),
});
export type ListedTicket = v.InferOutput<typeof ListedTicket>;

const fieldId = v.union([integer, v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number))]);

const ListedFieldValue = v.pipe(
  v.object({ id: v.optional(fieldId), key: v.optional(fieldId), value: v.nullable(v.string()) }),
  v.check((item) => item.id !== undefined || item.key !== undefined),
  v.transform((item) => ({ id: (item.id ?? item.key) as number, value: item.value })),
);

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
