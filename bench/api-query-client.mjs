// The query loop of bench/api.ts, run in its own process as a browser would be: its fetches, JSON parsing and
// decompression do not share the server's event loop, heap or thread pool, so the latencies are the server's
// answers as a separate client sees them. Input: one JSON argument; output: one JSON line.
// storedFirst: the run's first recorded tick (0 unless it was resumed from a checkpoint).
const { base, runId, storedFirst = 0, storedLast, width, height, queries, warmup } = JSON.parse(process.argv[2]);

const time = async (url, warm) => {
  const t0 = performance.now();
  const res = await fetch(url, warm ? { headers: { 'x-bench-warmup': '1' } } : undefined);
  const headersMs = performance.now() - t0;
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${Buffer.from(body).toString()}`);
  return { ms: performance.now() - t0, headersMs, body };
};

// Warm-up at its own random ticks (other chunks than most measured ones, which stay cold reads).
const warm = { env: 0, orgs: 0 };
let warmSeed = 777;
for (let q = 0; q < warmup; q++) {
  warmSeed = (warmSeed * 1103515245 + 12345) & 0x7fffffff;
  const tick = storedFirst + (warmSeed % (storedLast - storedFirst + 1));
  warm.env = Math.max(warm.env, (await time(`${base}/environment/${tick}?runId=${runId}&region=0,255,0,255`, true)).ms);
  warm.orgs = Math.max(warm.orgs, (await time(`${base}/organisms/${tick}?runId=${runId}`, true)).ms);
}

let seed = 12345;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
// orgsHeaders: until the answer's headers arrived (the rest is the body's transfer); bytes: answer sizes.
const out = {
  warm,
  env: [],
  orgs: [],
  orgsHeaders: [],
  details: [],
  cells: 0,
  organismsSeen: 0,
  envBytes: 0,
  orgsBytes: 0,
};
for (let q = 0; q < queries; q++) {
  const tick = storedFirst + rnd(storedLast - storedFirst + 1);
  const x = rnd(width - 256);
  const y = rnd(height - 256);
  const e = await time(`${base}/environment/${tick}?runId=${runId}&region=${x},${x + 255},${y},${y + 255}`);
  out.env.push(e.ms);
  out.cells += new DataView(e.body).getUint32(4 * 5 + 4 * 4, true);
  out.envBytes += e.body.byteLength;
  const o = await time(`${base}/organisms/${tick}?runId=${runId}`);
  out.orgs.push(o.ms);
  out.orgsHeaders.push(o.headersMs);
  out.orgsBytes += o.body.byteLength;
  const list = JSON.parse(Buffer.from(o.body).toString());
  out.organismsSeen += list.organisms.length;
  if (list.organisms.length > 0) {
    const id = list.organisms[rnd(list.organisms.length)].organismId;
    out.details.push((await time(`${base}/organisms/${tick}/${id}?runId=${runId}`)).ms);
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
