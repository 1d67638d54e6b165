import { describe, expect, it } from 'vitest';
import { hslToRgb, lineageHues, ownerHue } from '../../../src/visualizer/cell-colors.js';
import { FrameRenderer } from '../../../src/visualizer/video/frame-renderer.js';

const angle = (a: number, b: number): number => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

describe('lineage colours', () => {
  it('founders step around the wheel; each descendant stays within 30° of its parent, and branches drift apart', () => {
    const hues = lineageHues([
      { genomeHash: 'aaaa01', parentGenome: null },
      { genomeHash: 'bbbb02', parentGenome: null },
      { genomeHash: 'c0ffee', parentGenome: 'aaaa01' },
      { genomeHash: 'd00d11', parentGenome: 'c0ffee' },
      { genomeHash: 'e1e1e1', parentGenome: 'aaaa01' },
      { genomeHash: 'f00000', parentGenome: 'unknown' },
    ]);
    expect(hues.get('aaaa01')).toBe(ownerHue(1));
    expect(hues.get('bbbb02')).toBe(ownerHue(2));
    expect(angle(hues.get('aaaa01')!, hues.get('bbbb02')!)).toBeGreaterThan(60);
    for (const [child, parent] of [
      ['c0ffee', 'aaaa01'],
      ['d00d11', 'c0ffee'],
      ['e1e1e1', 'aaaa01'],
    ] as const) {
      const d = angle(hues.get(child)!, hues.get(parent)!);
      expect(d).toBeGreaterThan(9.99);
      expect(d).toBeLessThan(30.01);
    }
    // A genotype whose parent genotype is unknown is a founder of its own.
    expect(hues.get('f00000')).toBe(ownerHue(3));
    // Same input, same colours (a video and the page agree).
    expect(lineageHues([...hues.keys()].map((g) => ({ genomeHash: g, parentGenome: null }))).size).toBe(6);
  });

  it('a lineage video frame paints owned cells in their owner lineage hue and dims the rest', () => {
    const r = new FrameRenderer([2, 2], { mode: 'lineage', scale: 1, size: 0, ownerHues: new Map([[7, 120]]) });
    const molecules = Int32Array.from([(1 << 20) | 5, (2 << 20) | 9, 0, 0]);
    const owners = Int32Array.from([7, 0, 0, 0]);
    const px = r.render({ tick: 0, molecules, owners, alive: 1 });
    expect([px[0], px[1], px[2]]).toEqual(hslToRgb(120, 0.8, 0.55));
    // The unowned ENERGY cell at (0, 1): its type colour at 30 %.
    const at = (1 * r.width + 0) * 3;
    expect(Math.max(px[at]!, px[at + 1]!, px[at + 2]!)).toBeLessThan(80);
  });
});
