/** The value formats widget and relay check alike: which strings each accepts and which it refuses. */
import { describe, expect, it } from 'vitest';
import { isDecimal, isEmail, isIsoDate, isPhone, isWebUrl } from '../../src/shared/formats';

const check = (accepts: (value: string) => boolean, good: string[], bad: string[]) => {
  it.each(good)('accepts %j', (value) => expect(accepts(value)).toBe(true));
  it.each(bad)('refuses %j', (value) => expect(accepts(value)).toBe(false));
};

describe('isIsoDate', () => {
  check(
    isIsoDate,
    ['2025-01-31', '2025-02-28', '2024-02-29', '2000-02-29', '1999-12-31', '2025-12-31'],
    [
      '2025-02-29', // not a leap year
      '1900-02-29', // divisible by 100 but not by 400
      '2025-02-30',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '2025-1-5',
      '25-01-05',
      '2025/01/05',
      '05.01.2025',
      '2025-01-05T00:00',
      ' 2025-01-05',
      '',
    ],
  );
});

describe('isDecimal', () => {
  check(
    isDecimal,
    ['0', '42', '-3.5', '3.14159', '007', '123456789012345', '1.0123456789'],
    ['3,5', '1e5', '.5', '5.', '+5', '- 5', '1 000', '0x1F', 'NaN', 'Infinity', '1234567890123456', '1.01234567891', ''],
  );
});

describe('isWebUrl', () => {
  check(
    isWebUrl,
    ['https://example.com', 'http://example.com/path?q=1#top', 'HTTPS://EXAMPLE.COM', 'https://localhost:8080'],
    ['javascript:alert(1)', 'ftp://example.com', 'mailto:ann@example.com', 'data:text/html,hi', 'example.com', '/relative', 'https://', ''],
  );
});

describe('isPhone', () => {
  check(
    isPhone,
    ['+47 22 33 44 55', '22334455', '(22) 33-44.55', '+1 (555) 123-4567', '12345', '+47 22 33 44 55 / 123', '1'.repeat(20)],
    ['1234', '1'.repeat(21), 'call me', '+47 22 33 44 55 ext. 12', '++4722334455', '47+22334455', '', '   '],
  );
});

describe('isEmail', () => {
  check(
    isEmail,
    ['bill_smith@gmail.com', 'ann.lee+support@mail.example.co', 'a@b.co'],
    ['bill_smith@', '@gmail.com', 'bill smith@gmail.com', 'bill@gmail', 'bill@@gmail.com', ''],
  );
});
