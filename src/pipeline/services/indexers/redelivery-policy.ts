/**
 * How many attempts an indexer gives a notification, by how often it was delivered. A notification handed back on
 * pause or stop, or redelivered because its consumer was killed or slower than the acknowledgement timeout, comes
 * again without having failed; so counted deliveries alone do not make it poisonous. Past SUSPECT_DELIVERIES it gets
 * one attempt per delivery (a notification that kills or stalls its consumers then costs one consumer each time);
 * past GIVE_UP_DELIVERIES none: it goes to the dead-letter queue untried, so a notification that crashes every
 * consumer cannot keep the index in a crash loop.
 */
export function attemptsFor(deliveryCount: number, maxRetries: number): number {
  const suspect = 2 * (maxRetries + 1) + 2;
  if (deliveryCount > GIVE_UP_FACTOR * suspect) return 0;
  if (deliveryCount > suspect) return 1;
  return maxRetries + 1;
}

/** GIVE_UP_DELIVERIES is this many times SUSPECT_DELIVERIES (see attemptsFor). */
const GIVE_UP_FACTOR = 3;
