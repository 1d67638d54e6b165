import { describe, expect, it } from 'vitest';
import { errorEnvelope, exitCodeFor } from '../../../src/cli/envelope.js';
import { splitCommandLine } from '../../../src/cli/split-command-line.js';
import { EvochoraError } from '../../../src/errors.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { NodeNotRunningError, NodeStatusUnknownError } from '../../../src/node/node-errors.js';
import { ConfigError } from '../../../src/config/config-error.js';

describe('error envelope and exit codes', () => {
  it('keeps code, message, actions and data of our errors', () => {
    const err = new EvochoraError('SOMETHING', 'it broke', { actions: ['fix it'], data: { a: 1 } });
    expect(errorEnvelope(err, ['w'])).toEqual({
      status: 1,
      name: 'EvochoraError',
      code: 'SOMETHING',
      message: 'it broke',
      actions: ['fix it'],
      data: { a: 1 },
      warnings: ['w'],
    });
  });

  it.each([
    [new NodeNotRunningError('/d'), ExitCode.NodeNotRunning, 'NODE_NOT_RUNNING'],
    [new NodeStatusUnknownError(1, 2, 'timeout'), ExitCode.StatusUnknown, 'NODE_STATUS_UNKNOWN'],
    [new ConfigError([{ path: 'a', value: 1, expected: 'b' }]), ExitCode.Usage, 'CONFIG_INVALID'],
    [Object.assign(new Error('Unexpected argument: x'), { oclif: { exit: 2 } }), ExitCode.Usage, 'USAGE'],
    [new TypeError('x is undefined'), ExitCode.InternalError, 'INTERNAL_ERROR'],
    [new Error('plain'), ExitCode.Failure, 'FAILED'],
  ])('maps %s to exit %i and code %s', (err, exit, code) => {
    expect(exitCodeFor(err)).toBe(exit);
    expect(errorEnvelope(err)).toMatchObject({ status: exit, code });
  });

  it('documents distinct exit codes', () => {
    const values = Object.values(ExitCode);
    expect(new Set(values).size).toBe(values.length);
    expect(ExitCode).toMatchObject({
      Ok: 0,
      Failure: 1,
      Usage: 2,
      NodeNotRunning: 3,
      StatusUnknown: 4,
      PipelineUnhealthy: 5,
    });
  });
});

describe('splitCommandLine', () => {
  it('splits words, honours quotes and escapes', () => {
    expect(splitCommandLine(`pipeline  status --json`)).toEqual(['pipeline', 'status', '--json']);
    expect(splitCommandLine(`a "b c" 'd e' f\\ g ""`)).toEqual(['a', 'b c', 'd e', 'f g', '']);
    expect(() => splitCommandLine('a "b')).toThrow(/Unterminated " quote/);
  });
});
