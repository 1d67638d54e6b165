/**
 * JSON text written straight into UTF-8 bytes, for the few large documents written on the simulation's hot path
 * (the runtime checkpoint a chunk's snapshot carries: ~10,000 numbers). Formatting each number as a JS string
 * (JSON.stringify, or `join`) cost more than everything else about that checkpoint; integers are written here
 * digit by digit into a reused buffer. The text equals what JSON.stringify writes for the same values.
 */
export class JsonBytesWriter {
  private buf = new Uint8Array(64 * 1024);
  pos = 0;

  private room(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    return this.buf;
  }

  reset(): void {
    this.pos = 0;
  }

  /** Text of code points below 128 only (punctuation, keys). */
  ascii(s: string): void {
    const b = this.room(s.length);
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any text, already JSON (a string literal from JSON.stringify, say), as UTF-8. */
  text(s: string): void {
    const b = this.room(s.length * 3);
    this.pos += Buffer.from(b.buffer, b.byteOffset, b.byteLength).write(s, this.pos, 'utf8');
  }

  /** A number or null as JSON.stringify writes it. */
  number(v: number | null): void {
    if (v === null || !Number.isFinite(v)) this.ascii('null');
    else if (Number.isInteger(v) && Math.abs(v) <= 0x7fffffff) this.int(v);
    else this.ascii(String(v));
  }

  /** An integer of int32 range. */
  int(v: number): void {
    const b = this.room(11);
    let p = this.pos;
    if (v < 0) {
      b[p++] = 0x2d; // '-'
      v = -v;
    }
    if (v < 10) b[p++] = 0x30 + v;
    else {
      let digits = 0;
      for (let x = v; x > 0; x = (x / 10) | 0) digits++;
      let q = p + digits;
      p = q;
      while (v > 0) {
        const d = v % 10;
        b[--q] = 0x30 + d;
        v = (v - d) / 10;
      }
    }
    this.pos = p;
  }

  /** `[a[from], ..., a[to - 1]]`. */
  ints(a: Uint8Array | Int32Array, from = 0, to = a.length): void {
    this.room(2 + (to - from) * 12);
    this.buf[this.pos++] = 0x5b; // '['
    for (let i = from; i < to; i++) {
      if (i > from) this.buf[this.pos++] = 0x2c; // ','
      this.int(a[i]!);
    }
    this.buf[this.pos++] = 0x5d; // ']'
  }

  /** A string value (or null) as JSON. */
  string(s: string | null): void {
    if (s === null) this.ascii('null');
    else this.text(JSON.stringify(s));
  }

  /** The text so far, as a buffer of its own. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
