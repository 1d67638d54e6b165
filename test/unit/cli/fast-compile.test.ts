import { describe, expect, it } from 'vitest';
import { parseCompileArgs } from '../../../src/cli/fast-compile.js';

describe('parseCompileArgs', () => {
  it('reads the flags of evochora compile in their spellings', () => {
    expect(
      parseCompileArgs([
        'p.evo',
        '--env',
        '64x64',
        '-c',
        'a.conf',
        '--json',
        '--output=o.json',
        '--source-root',
        'lib',
        '--source-root=std=/opt/std',
        '--reference-compatible',
      ]),
    ).toEqual({
      file: 'p.evo',
      env: '64x64',
      config: 'a.conf',
      json: true,
      output: 'o.json',
      sourceRoots: ['lib', 'std=/opt/std'],
      referenceCompatible: true,
    });
    expect(parseCompileArgs(['--config=x.conf', 'p.evo', '-o', 'out'])).toEqual({
      file: 'p.evo',
      config: 'x.conf',
      output: 'out',
      json: false,
      referenceCompatible: false,
    });
  });

  it.each([
    [['--help']],
    [['p.evo', '-h']],
    [[]],
    [['a.evo', 'b.evo']],
    [['p.evo', '--env']],
    [['p.evo', '--env', '--json']],
    [['p.evo', '--env=']],
    [['p.evo', '--env', '8x8', '--env', '9x9']],
    [['p.evo', '--json', '--json']],
    [['p.evo', '--unknown']],
    [['p.evo', '--', '--json']],
  ])('leaves %j to oclif', (args) => {
    expect(parseCompileArgs(args)).toBeUndefined();
  });
});
