/** Process exit codes of every `evochora` command (documented in the README). */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  NodeNotRunning: 3,
  StatusUnknown: 4,
  PipelineUnhealthy: 5,
  InternalError: 10,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
