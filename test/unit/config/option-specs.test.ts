import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { defineOptions, type OptionsOf } from '../../../src/config/field-spec.js';
import { resolveOptions } from '../../../src/config/resolve-options.js';
import { persistenceServiceType } from '../../../src/pipeline/services/persistence-service-type.js';
import { simulationEngineType } from '../../../src/pipeline/services/simulation-engine-type.js';
import { jetStreamQueueType } from '../../../src/pipeline/resources/nats/jetstream-queue-type.js';

describe('typed option specs', () => {
  it('infers the options type from the spec (checked by `npm run lint`, which type-checks the tests)', () => {
    const spec = defineOptions({
      kind: 'object',
      doc: 'example',
      fields: {
        n: { kind: 'int', default: 1, min: 0, doc: 'n' },
        mode: { kind: 'string', default: 'a', enum: ['a', 'b'], doc: 'mode' },
        on: { kind: 'bool', default: true, doc: 'on' },
        size: { kind: 'bytes', default: 1024, doc: 'size' },
        shape: { kind: 'list', of: 'int', default: [1, 2], doc: 'shape' },
        nested: { kind: 'object', doc: 'nested', fields: { name: { kind: 'string', default: '', doc: 'name' } } },
        required: { kind: 'string', doc: 'no default' },
      },
    });
    expectTypeOf<OptionsOf<typeof spec>>().toEqualTypeOf<{
      n: number;
      mode: 'a' | 'b';
      on: boolean;
      size: number;
      shape: number[];
      nested: { name: string };
      required: string;
    }>();
    expect(() => resolveOptions(spec, {})).toThrow(
      /options\.required = undefined: expected a string \(required: no default\)/,
    );
    expect(resolveOptions(spec, { n: '5', size: '2KiB', required: 'x' })).toEqual({
      n: 5,
      mode: 'a',
      on: true,
      size: 2048,
      shape: [1, 2],
      nested: { name: '' },
      required: 'x',
    });
  });

  it('fills nested defaults of a real type and names a bad key, once, before the service exists', () => {
    const engine = resolveOptions(simulationEngineType.options, { environment: { shape: [64, 64] } });
    expect(engine.environment).toEqual({ shape: [64, 64], topology: 'TORUS' });
    expect(engine.accumulatedDeltaInterval).toBe(50);
    expectTypeOf(engine.environment.topology).toEqualTypeOf<'TORUS' | 'BOUND'>();
    expectTypeOf(resolveOptions(jetStreamQueueType.options).storage).toEqualTypeOf<'file' | 'memory'>();
    expect(() =>
      resolveOptions(persistenceServiceType.options, { maxWritesInFlight: 0 }, 'pipeline.services.p.options'),
    ).toThrow(ConfigError);
    expect(() =>
      resolveOptions(persistenceServiceType.options, { maxWritesInFlight: 0 }, 'pipeline.services.p.options'),
    ).toThrow(/pipeline\.services\.p\.options\.maxWritesInFlight = 0: expected an integer from 1 to 64/);
    // One default, in the spec: the service no longer has its own fallback (it had 4 where the spec said 2).
    expect(resolveOptions(persistenceServiceType.options).maxWritesInFlight).toBe(2);
  });

  it('leaves no option casts in the pipeline (options arrive typed)', () => {
    const casts: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== 'generated') walk(path);
        } else if (name.endsWith('.ts')) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/\b(options|opts|o)\.\w+ as (number|string|boolean)\b/.test(line))
                casts.push(`${path}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(join(__dirname, '..', '..', '..', 'src', 'pipeline'));
    expect(casts).toEqual([]);
  });
});
