/**
 * The CLI against a test deployment: `evochora verify` with the indexer host's config (S3 and PostgreSQL), pointed at
 * the deployment's servers, bucket and registry schema.
 */
import { join } from 'node:path';
import { evochora, REPO_ROOT } from '../helpers/cli.js';
import { deploymentOverrides, type Deployment } from '../distributed/harness/node-process.js';

export interface VerifyReport {
  ok: boolean;
  ticks: number;
  firstTick: number | null;
  lastTick: number;
  samplingInterval: number;
  indexChecked: boolean;
  analyticsChecked: boolean;
  problems: Array<{ kind: string; message: string; file?: string; tick?: number }>;
}

export interface DistributedCli {
  /** `verify --run RUN [--replay] --json`; the report, the exit code and the raw output for a failure message. */
  verify(runId: string, replay: boolean): Promise<{ report: VerifyReport; exitCode: number; output: string }>;
}

export function distributedCli(d: Deployment, dataDir: string): DistributedCli {
  const config = ['-c', join(REPO_ROOT, 'config', 'distributed', 'indexer-host.conf'), '--data-dir', dataDir];
  return {
    verify: async (runId, replay) => {
      const res = await evochora(
        [
          'verify',
          '--run',
          runId,
          ...(replay ? ['--replay'] : []),
          ...config,
          ...deploymentOverrides('indexer-host', d),
          '--json',
        ],
        { timeout: 600_000, cwd: REPO_ROOT },
      );
      const report = res.json?.result as VerifyReport | undefined;
      if (!report) throw new Error(`verify printed no report (exit ${res.exitCode}):\n${res.stdout}\n${res.stderr}`);
      return { report, exitCode: res.exitCode, output: res.stdout + res.stderr };
    },
  };
}
