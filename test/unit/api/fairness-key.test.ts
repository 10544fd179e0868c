// Temporal refuses a fairness key over 64 bytes with INVALID_ARGUMENT; customer IDs may take 128 characters.
import { describe, expect, it } from 'vitest';
import { boundedFairnessKey } from '../../../api/workflows/workflow-runs';

describe('boundedFairnessKey', () => {
  it('keeps a key Temporal accepts, and turns a longer one into a stable digest that fits', () => {
    expect(boundedFairnessKey('cus-1')).toBe('cus-1');
    const long = `cus-${'x'.repeat(124)}`;
    expect(boundedFairnessKey(long)).toBe(boundedFairnessKey(long));
    expect(Buffer.byteLength(boundedFairnessKey(long))).toBeLessThanOrEqual(64);
    expect(boundedFairnessKey(long)).not.toBe(boundedFairnessKey(`${long.slice(0, -1)}y`));
    expect(Buffer.byteLength(boundedFairnessKey('é'.repeat(40)))).toBeLessThanOrEqual(64);
  });
});
