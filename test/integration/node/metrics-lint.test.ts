/**
 * `/metrics` of a default node passes Prometheus' own linter (`promtool check metrics`, from Debian's prometheus
 * package, which CI installs): HELP text everywhere, counters typed and named `…_total`, base units.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { evochora, tempDataDir, startDetachedNode, SMALL_WORLD } from '../../helpers/cli.js';

const dataDir = tempDataDir();
afterAll(async () => {
  await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '10000']);
});

describe('/metrics', () => {
  it('passes promtool check metrics with no problem', async () => {
    const which = spawnSync('promtool', ['--version']);
    expect(which.error, 'promtool is missing: apt-get install prometheus (Debian), as .ci/run does').toBeUndefined();
    const start = await startDetachedNode(dataDir, SMALL_WORLD);
    expect(start.exitCode, start.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 3000));
    const text = await (await fetch(`http://127.0.0.1:${start.json!.result.port}/metrics`)).text();
    expect(text).toContain('evochora_service_ticks_written_total');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
    expect(lint.status).toBe(0);
  });
});
