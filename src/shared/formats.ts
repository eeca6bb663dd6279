/** Value formats that widget and relay check alike: email, phone, web address, number, date. */
import { EMAIL_REGEX } from 'valibot';
import { LIMITS } from './limits';

/** valibot's pragmatic email pattern (local@domain.tld), re-exported so every check uses one. */
export const isEmail = (value: string) => EMAIL_REGEX.test(value);

/**
 * Whether an address's local part (before its last `@`) is within RFC 5321's 64 octets. The
 * pattern allows only ASCII there, so characters are octets; text without `@` fits.
 */
export const fitsLocalPart = (value: string) => value.lastIndexOf('@') <= LIMITS.emailLocalPart;

// Digits with the usual separators, an optional leading +, and 5 to 20 digits in all: E.164
// allows 15 digits, extensions need a few more. Socialboards documents no phone format
// (docs/socialboards-api.md §5.1, UNKNOWN), so it is sent as typed. Each repetition takes one
// digit and separators never match a digit, so the pattern cannot backtrack far on long input.
const PHONE = /^\+?(?:[ ().\-/]*\d){5,20}[ ().\-/]*$/;
export const isPhone = (value: string) => PHONE.test(value);

/** An absolute http(s) address, or with `base`, one relative to it. */
export const isWebUrl = (value: string, base?: string) => {
  try {
    return /^https?:$/.test(new URL(value, base).protocol);
  } catch {
    return false;
  }
};

/** A decimal number with a dot: `42`, `-3.5`. The canonical form the widget sends. */
export const isDecimal = (value: string) => /^-?\d{1,15}(\.\d{1,10})?$/.test(value);

/** A real calendar date as YYYY-MM-DD (what `<input type="date">` gives); 2025-02-30 is not one. */
export const isIsoDate = (value: string) => {
  // The date-only ISO form is read as that day's midnight UTC (ECMA-262 §21.4.3.2); a day that
  // does not exist either does not parse or rolls over into another, which prints differently.
  const time = Date.parse(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
};
