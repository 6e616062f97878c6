import { type EncodedHistogram, type Histogram, encodeHistogram, percentiles } from '@streamscore/core';

/** A histogram as a Result stores it: the encoded counts and the percentiles read from them. */
export function encoded(h: Histogram): EncodedHistogram {
  return { unit: 'us', significantDigits: 3, encoded: encodeHistogram(h), percentiles: percentiles(h) };
}

