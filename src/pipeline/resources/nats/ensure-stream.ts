/**
 * Finds or creates a JetStream stream, tolerating another process creating it at the same moment. The queue
 * and the topics differ only in the stream's configuration (work-queue vs limits retention).
 */
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import type { Logger } from 'pino';

/** JetStream API error code for "stream not found". */
export const STREAM_NOT_FOUND = 10059;
/** JetStream API error code for "consumer not found". */
export const CONSUMER_NOT_FOUND = 10014;

export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  logger: Logger,
): Promise<StreamInfo> {
  try {
    return await jsm.streams.info(config.name);
  } catch (err) {
    if ((err as { code?: number }).code !== STREAM_NOT_FOUND) throw err;
  }
  try {
    const info = await jsm.streams.add(config);
    logger.info(
      { stream: config.name, replicas: config.num_replicas },
      `Created JetStream stream ${config.name} (${config.num_replicas ?? 1} replicas)`,
    );
    return info;
  } catch (err) {
    // Another process may have created it meanwhile.
    return jsm.streams.info(config.name).catch(() => {
      throw err;
    });
  }
}
