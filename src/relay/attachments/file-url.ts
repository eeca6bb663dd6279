/** The public URL of a stored file, as Socialboards receives it: `${RELAY_PUBLIC_URL}/files/<key>/<name>`. */

/** The path prefix the files route serves. */
export const FILES_PATH = '/files';

/** The URL of the file stored under `key`. The name segment is for people and tools that name a download after its URL. */
export const fileUrl = (publicUrl: string, key: string, name: string) => `${publicUrl}${FILES_PATH}/${key}/${encodeURIComponent(name)}`;

/**
 * `Content-Disposition: attachment` with the name twice: an ASCII fallback, and the exact name in
 * RFC 8187 encoding for every client that reads `filename*` (all current browsers).
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
