// The fairness key Temporal stores: never the customer ID itself (the history keeps customers only in the
// CustomerId search attribute), within Temporal's 64-byte limit (IDs may take 128 characters), one per key.
import { describe, expect, it } from 'vitest';
import { storedFairnessKey } from '../../../api/workflows/workflow-runs';

describe('storedFairnessKey', () => {
  it('is a stable digest that fits, differs per key, and does not contain the key', () => {
    const long = `cus-${'x'.repeat(124)}`;
    expect(storedFairnessKey('cus-1')).toBe(storedFairnessKey('cus-1'));
    expect(storedFairnessKey('cus-1')).not.toContain('cus-1');
    expect(storedFairnessKey('cus-1')).not.toBe(storedFairnessKey('cus-2'));
    expect(Buffer.byteLength(storedFairnessKey(long))).toBeLessThanOrEqual(64);
    expect(storedFairnessKey(long)).not.toBe(storedFairnessKey(`${long.slice(0, -1)}y`));
  });
});
