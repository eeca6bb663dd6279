/** Every DOM test starts with an empty localStorage: drafts and the outbox never leak from one test into the next. */
import { afterEach, beforeEach } from 'vitest';

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());
