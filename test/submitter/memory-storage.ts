/**
 * A localStorage for Node tests (Node 20 has none): items are own properties, as in browsers, so
 * `Object.keys(localStorage)` lists them; the methods are not.
 */
export function memoryStorage(): Storage {
  const items: Record<string, string> = {};
  // Not enumerable (so not listed as items), but replaceable by vi.spyOn.
  const method = (value: unknown) => ({ value, writable: true, configurable: true });
  return Object.defineProperties(items, {
    length: { get: () => Object.keys(items).length },
    getItem: method((key: string) => (Object.hasOwn(items, key) ? items[key] : null)),
    setItem: method((key: string, value: string) => {
      items[key] = String(value);
    }),
    removeItem: method((key: string) => {
      delete items[key];
    }),
    clear: method(() => {
      for (const key of Object.keys(items)) delete items[key];
    }),
    key: method((index: number) => Object.keys(items)[index] ?? null),
  }) as unknown as Storage;
}
