/**
 * Maps the `className` of a configured resource or service to how it is built and which options it takes.
 * New resource and service types register here; nothing else in the manager changes.
 */
import type { PreflightIssue, ResourceType, ServiceType } from './api/component-type.js';
import { inMemoryQueueType } from './resources/in-memory-queue-type.js';
import { dummyConsumerType } from './test-support/dummy-consumer.js';
import { dummyProducerType } from './test-support/dummy-producer.js';
import { fileSystemStorageType } from './resources/file-system-storage-type.js';
import { fileSystemDeadLetterQueueType } from './resources/file-system-dead-letter-queue.js';
import { inMemoryIdempotencyTrackerType } from './resources/idempotency-tracker.js';
import { persistenceServiceType } from './services/persistence-service-type.js';
import { metadataPersistenceServiceType } from './services/metadata-persistence-service-type.js';
import { simulationEngineType } from './services/simulation-engine-type.js';
import { jetStreamQueueType } from './resources/nats/jetstream-queue-type.js';
import { s3StorageType } from './resources/s3/s3-storage-type.js';
import { s3DeadLetterQueueType } from './resources/s3/s3-dead-letter-queue-type.js';
import { jetStreamTopicType } from './resources/nats/jetstream-topic-type.js';
import { postgresIndexDatabaseType } from './resources/postgres/postgres-index-database-type.js';
import { inMemoryTopicType } from './resources/topics/in-memory-topic-type.js';
import { sqliteIndexDatabaseType } from './resources/index-db/sqlite-index-database-type.js';
import { environmentIndexerType, organismIndexerType } from './services/indexers/batch-indexer-types.js';
import { metadataIndexerType } from './services/indexers/metadata-indexer-type.js';
import { analyticsIndexerType } from './services/indexers/analytics-indexer-type.js';

export type { PreflightIssue, ResourceType, ServiceType };

export class TypeRegistry {
  private readonly resources = new Map<string, ResourceType>();
  private readonly services = new Map<string, ServiceType>();

  registerResource(type: ResourceType): this {
    this.resources.set(type.className, type);
    return this;
  }

  registerService(type: ServiceType): this {
    this.services.set(type.className, type);
    return this;
  }

  resource(className: string): ResourceType | undefined {
    return this.resources.get(className);
  }

  service(className: string): ServiceType | undefined {
    return this.services.get(className);
  }

  resourceClassNames(): string[] {
    return [...this.resources.keys()].sort();
  }

  serviceClassNames(): string[] {
    return [...this.services.keys()].sort();
  }
}

/** The registry of everything the product ships. */
export function defaultRegistry(): TypeRegistry {
  return (
    new TypeRegistry()
      .registerResource(inMemoryQueueType)
      .registerResource(fileSystemStorageType)
      .registerResource(fileSystemDeadLetterQueueType)
      .registerResource(inMemoryIdempotencyTrackerType)
      .registerService(persistenceServiceType)
      .registerService(metadataPersistenceServiceType)
      .registerService(simulationEngineType)
      .registerResource(jetStreamQueueType)
      .registerResource(s3StorageType)
      .registerResource(s3DeadLetterQueueType)
      .registerResource(jetStreamTopicType)
      .registerResource(postgresIndexDatabaseType)
      .registerResource(inMemoryTopicType)
      .registerResource(sqliteIndexDatabaseType)
      .registerService(metadataIndexerType)
      .registerService(environmentIndexerType)
      .registerService(organismIndexerType)
      .registerService(analyticsIndexerType)
      // Test support (test-support/): a producer and a consumer that give the pipeline commands something to
      // act on without the simulation. Named `TestSupport.*`, so no production config names them by accident.
      .registerService(dummyProducerType)
      .registerService(dummyConsumerType)
  );
}
