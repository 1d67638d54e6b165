/** Decodes the binary environment response (format in src/visualizer/region.ts). */
export function decodeEnvironmentResponse(buf: ArrayBuffer): {
  tick: number;
  min: number[];
  max: number[];
  flat: Int32Array;
  molecules: Int32Array;
  owners: Int32Array;
  minimap?: { width: number; height: number; classes: Uint8Array; owners: Int32Array };
} {
  const dv = new DataView(buf);
  if (String.fromCharCode(dv.getUint8(0), dv.getUint8(1), dv.getUint8(2), dv.getUint8(3)) !== 'EVEN')
    throw new Error('bad magic');
  let o = 8;
  const u32 = (): number => {
    const v = dv.getUint32(o, true);
    o += 4;
    return v;
  };
  const tick = u32() + u32() * 2 ** 32;
  const dims = u32();
  const min: number[] = [];
  const max: number[] = [];
  for (let d = 0; d < dims; d++, o += 4) min.push(dv.getInt32(o, true));
  for (let d = 0; d < dims; d++, o += 4) max.push(dv.getInt32(o, true));
  const n = u32();
  const flat = new Int32Array(buf, o, n);
  o += 4 * n;
  const molecules = new Int32Array(buf, o, n);
  o += 4 * n;
  const owners = new Int32Array(buf, o, n);
  o += 4 * n;
  const w = u32();
  const h = u32();
  if (w === 0) return { tick, min, max, flat, molecules, owners };
  const mmOwners = new Int32Array(buf, o, w * h);
  o += 4 * w * h;
  return {
    tick,
    min,
    max,
    flat,
    molecules,
    owners,
    minimap: { width: w, height: h, owners: mmOwners, classes: new Uint8Array(buf, o, w * h) },
  };
}
