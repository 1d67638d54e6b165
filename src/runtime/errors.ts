/**
 * Errors raised by the runtime. Every class carries a stable `code` so callers (CLI, pipeline) can react
 * without parsing messages. Instruction failures are NOT errors: they are organism state (failed flag +
 * reason) and never throw.
 */
import { RuntimeErrorCode } from './error-codes.js';
export class RuntimeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RuntimeError';
    this.code = code;
  }
}

/** The world shape, a coordinate or a placement does not fit the world. */
export class WorldShapeError extends RuntimeError {
  constructor(message: string) {
    super(RuntimeErrorCode.RUNTIME_WORLD_SHAPE, message);
    this.name = 'WorldShapeError';
  }
}

/** A runtime option is out of range or has the wrong type. */
export class RuntimeConfigError extends RuntimeError {
  constructor(message: string) {
    super(RuntimeErrorCode.RUNTIME_CONFIG, message);
    this.name = 'RuntimeConfigError';
  }
}

/** A checkpoint cannot be restored into this runtime (wrong version, shape or corrupt data). */
export class CheckpointError extends RuntimeError {
  constructor(message: string) {
    super(RuntimeErrorCode.RUNTIME_CHECKPOINT, message);
    this.name = 'CheckpointError';
  }
}

/** A run description (spec.json, program placement) is malformed. */
export class RunSpecError extends RuntimeError {
  constructor(message: string) {
    super(RuntimeErrorCode.RUNTIME_SPEC, message);
    this.name = 'RunSpecError';
  }
}

/** A plan worker of a multi-threaded simulation failed, did not start or did not answer. */
export class PlanWorkerError extends RuntimeError {
  constructor(message: string) {
    super(RuntimeErrorCode.RUNTIME_THREADS, message);
    this.name = 'PlanWorkerError';
  }
}
