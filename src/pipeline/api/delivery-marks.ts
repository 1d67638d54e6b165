/**
 * Delivery facts a queue attaches to the messages it hands out, without changing their shape (part of the
 * queue contract, so storage reads them without knowing the broker): a message delivered again (its consumer
 * crashed, or an ack was lost in a failover) carries the REDELIVERED mark, so storage can check whether its
 * ticks were already stored before writing them twice.
 */
export const REDELIVERED: unique symbol = Symbol.for('evochora.queue.redelivered');

export function markRedelivered(message: unknown, deliveryCount: number): void {
  if (deliveryCount > 1 && message !== null && typeof message === 'object')
    Object.defineProperty(message, REDELIVERED, { value: deliveryCount, enumerable: false, configurable: true });
}

/** How often the message was delivered before this delivery (0 when this is the first). */
export function redeliveryCount(message: unknown): number {
  if (message === null || typeof message !== 'object') return 0;
  const n = (message as Record<symbol, unknown>)[REDELIVERED];
  return typeof n === 'number' ? n - 1 : 0;
}
