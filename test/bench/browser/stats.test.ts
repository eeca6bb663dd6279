import { describe, expect, it } from 'vitest';
import { median, p90, quantile } from './stats';

describe('benchmark statistics', () => {
  it('takes the middle sample of an odd count, whatever the order', () => {
    expect(median([30, 10, 20])).toBe(20);
  });

  it('takes the mean of the middle two samples of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('interpolates the 90th percentile between its neighbours', () => {
    expect(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBeCloseTo(9.1);
  });

  it('gives the extremes at 0 and 1, and NaN for no samples', () => {
    expect(quantile([5, 1, 9], 0)).toBe(1);
    expect(quantile([5, 1, 9], 1)).toBe(9);
    expect(median([])).toBeNaN();
  });
});
