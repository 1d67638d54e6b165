/**
 * Writes runtime organisms straight into OrganismState wire format (proto/tickdata.proto, field by field),
 * without building intermediate objects: the engine's per-sample hot path.
 */
import type { Organism } from '../../runtime/index.js';
import type { ProtoWriter } from './proto-writer.js';

function vector(w: ProtoWriter, tag: number, src: ArrayLike<number>, off: number, dims: number): void {
  w.tag(tag);
  w.fork();
  w.packedInts(0x0a, src, off, dims); // Vector.components
  w.ldelim();
}

function registerValue(w: ProtoWriter, tag: number, isVec: number, scalar: number, vec: ArrayLike<number>, vecOff: number, dims: number): void {
  w.tag(tag);
  w.fork();
  if (isVec) vector(w, 0x12, vec, vecOff, dims);
  else {
    w.tag(0x08); // oneof scalar: written even when 0
    w.varint(scalar);
  }
  w.ldelim();
}

/** Writes one organism as a length-delimited OrganismState under `fieldTag`. */
export function writeOrganism(w: ProtoWriter, fieldTag: number, o: Organism): void {
  const dims = o.dims;
  w.tag(fieldTag);
  w.fork();
  w.intField(0x08, o.id);
  w.intField(0x10, o.parentId ?? -1);
  w.intField(0x18, o.birthTick);
  w.stringField(0x22, o.programId);
  w.intField(0x28, o.er);
  vector(w, 0x32, o.ip, 0, dims);
  vector(w, 0x3a, o.dv, 0, dims);
  for (let off = 0; off + dims <= o.dps.length; off += dims) vector(w, 0x42, o.dps, off, dims);
  w.intField(0x48, o.activeDp);
  const regs = o.regIsVec.length;
  for (let i = 0; i < regs; i++) registerValue(w, 0x52, o.regIsVec[i]!, o.regScalar[i]!, o.regVec, i * dims, dims);
  for (let i = 0; i < o.dsLen; i++) registerValue(w, 0x5a, o.dsIsVec[i]!, o.dsScalar[i]!, o.dsVec, i * dims, dims);
  for (let i = 0; i < o.lsLen; i++) vector(w, 0x62, o.ls, i * dims, dims);
  for (let i = 0; i < o.csLen; i++) {
    const saved = o.csSaved[i]!;
    w.tag(0x6a);
    w.fork();
    w.intField(0x08, o.csLabel[i]!);
    vector(w, 0x12, o.csReturnIp, i * dims, dims);
    vector(w, 0x1a, o.csCallIp, i * dims, dims);
    for (let k = 0; k < saved.isVec.length; k++) registerValue(w, 0x22, saved.isVec[k]!, saved.scalar[k]!, saved.vec, k * dims, dims);
    w.ldelim();
  }
  w.boolField(0x70, o.dead);
  w.intField(0x78, o.deathTick);
  // Fields 16..27 have two-byte tags (field << 3 | wire type, as a varint).
  if (o.failed) {
    w.uvarint(16 << 3);
    w.tag(1);
  }
  twoByteString(w, 17, o.failureReason ?? '');
  twoByteInt(w, 18, o.sr);
  twoByteInt(w, 19, o.mr);
  twoByteString(w, 20, o.genomeHash);
  w.tag(0xaa); // field 21 (initial_position), wire type 2
  w.tag(0x01);
  w.fork();
  w.packedInts(0x0a, o.initialPosition, 0, dims);
  w.ldelim();
  twoByteInt(w, 22, o.lastOpcode);
  twoByteInt(w, 23, o.lastMolecule);
  twoByteInt(w, 24, o.lastEnergyDelta);
  twoByteInt(w, 25, o.lastEntropyDelta);
  twoByteInt(w, 26, o.currentProc);
  twoByteString(w, 27, o.deathCause ?? '');
  w.ldelim();
}

function twoByteInt(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.uvarint(field << 3);
  w.varint(v);
}

function twoByteString(w: ProtoWriter, field: number, s: string): void {
  if (s.length === 0) return;
  const n = Buffer.byteLength(s, 'utf8');
  w.uvarint((field << 3) | 2);
  w.uvarint(n);
  w.raw(Buffer.from(s, 'utf8'));
}
