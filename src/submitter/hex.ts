/** Bytes as lowercase hex, two digits a byte: Idempotency-Keys, and the keys ALTCHA's search derives. */
export const hex = (data: Uint8Array) => Array.from(data, (byte) => byte.toString(16).padStart(2, '0')).join('');
