/** Reads an upstream body as JSON without throwing: a body that is not JSON becomes `undefined`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
