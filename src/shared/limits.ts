/** Size caps shared by the widget (live validation) and the relay (the authority). */

// Socialboards documents no field limits (docs/socialboards-api.md §4, "UNKNOWN"). These are our own
// conservative choices: long enough for any real ticket, short enough to stop abuse.
export const LIMITS = {
  title: 200,
  message: 10_000,
  name: 100,
  /** RFC 5321 caps a forward path at 256 octets, so an address is at most 254 characters. */
  email: 254,
  /** RFC 5321 §4.5.3.1.1: a local part (before the `@`) is at most 64 octets. */
  emailLocalPart: 64,
  phone: 32,
  customFields: 50,
  customFieldValue: 2_000,
  attachments: 10,
  /** A signed identity token (a compact JWT) in characters: far above any honest one, which is a few hundred. */
  identity: 8_192,
} as const;
