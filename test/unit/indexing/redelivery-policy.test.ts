import { describe, expect, it } from 'vitest';
import { attemptsFor } from '../../../src/pipeline/services/indexers/redelivery-policy.js';

describe('attemptsFor (how often an indexer tries a notification, by its deliveries)', () => {
  it('gives every attempt while deliveries stay within what retries and hand-backs explain', () => {
    for (let d = 1; d <= 10; d++) expect(attemptsFor(d, 3)).toBe(4);
    expect(attemptsFor(4, 0)).toBe(1);
  });

  it('still tries once when a notification was redelivered often (slow or killed consumers, an outage)', () => {
    for (const d of [11, 20, 30]) expect(attemptsFor(d, 3)).toBe(1);
  });

  it('dead-letters untried past three times that, so one that crashes every consumer cannot loop forever', () => {
    expect(attemptsFor(31, 3)).toBe(0);
    expect(attemptsFor(1000, 3)).toBe(0);
    expect(attemptsFor(13, 0)).toBe(0);
    expect(attemptsFor(12, 0)).toBe(1);
  });
});
