import { describe, expect, it } from 'vitest';
import { HoconSyntaxError, parseHocon } from '../../../src/config/hocon.js';

describe('parseHocon', () => {
  it('reads objects, dotted keys, lists, comments and both separators', () => {
    const { value } = parseHocon(`
      # comment
      a { b = 1, c: "two" }   // trailing comment
      a.d = [1, 2, three]
      e = true
      f = null
      g = 1.5
    `);
    expect(value).toEqual({ a: { b: 1, c: 'two', d: [1, 2, 'three'] }, e: true, f: null, g: 1.5 });
  });

  it('merges repeated objects and lets later scalars win', () => {
    const { value } = parseHocon('x { a = 1 }\nx { b = 2 }\nx.a = 3\n');
    expect(value).toEqual({ x: { a: 3, b: 2 } });
  });

  it('accepts JSON', () => {
    const { value } = parseHocon('{"node": {"port": 9000, "host": "0.0.0.0"}, "list": [1, {"a": "b"}]}');
    expect(value).toEqual({ node: { port: 9000, host: '0.0.0.0' }, list: [1, { a: 'b' }] });
  });

  it('resolves substitutions from the document and optional ones from the environment', () => {
    const { value } = parseHocon(
      'base = /data\npath = ${base}/runs\nhome = ${?MY_HOME}\nmissing = ${?NOPE}\n',
      'x.conf',
      { MY_HOME: '/home/u' },
    );
    expect(value).toEqual({ base: '/data', path: '/data/runs', home: '/home/u' });
  });

  it('keeps an earlier value when an optional substitution that overrides it is undefined', () => {
    const { value } = parseHocon(
      'host = "127.0.0.1"\nhost = ${?NATS_HOST}\nport = 1\nport = ${?NATS_PORT}\n',
      'x.conf',
      { NATS_PORT: '4222' },
    );
    expect(value).toEqual({ host: '127.0.0.1', port: '4222' });
  });

  it('appends with += and keeps triple-quoted strings verbatim', () => {
    const { value } = parseHocon('l = [a]\nl += b\nt = """line1\n"quoted"\nline3"""\n');
    expect(value).toEqual({ l: ['a', 'b'], t: 'line1\n"quoted"\nline3' });
  });

  it('records the line of every key', () => {
    const doc = parseHocon('a {\n  b = 1\n}\nc.d = 2\n', 'f.conf');
    expect(doc.positions.get('a.b')).toMatchObject({ file: 'f.conf', line: 2 });
    expect(doc.positions.get('c.d')).toMatchObject({ line: 4 });
  });

  it.each([
    ['a = {\n b = 1\n', /f.conf:3:1: missing '}'/],
    ['a = 1 }', /unexpected '}'/],
    ['a = "unterminated\n', /unterminated string/],
    ['= 5', /expected a key/],
    ['a 5', /expected '=', ':' or '\{'/],
    ['a = ${undefined.key}', /substitution \$\{undefined.key\} is not defined/],
    ['a = [1, 2', /missing '\]'/],
  ])('reports %j with file and line', (text, message) => {
    expect(() => parseHocon(text, 'f.conf', {})).toThrow(message);
    try {
      parseHocon(text, 'f.conf', {});
    } catch (err) {
      expect(err).toBeInstanceOf(HoconSyntaxError);
      expect((err as HoconSyntaxError).code).toBe('CONFIG_SYNTAX');
    }
  });
});
