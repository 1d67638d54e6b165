// Client of /visualizer/api. Fetches are abortable; the binary environment format is documented in the
// OpenAPI document (/visualizer/api/openapi.json).
const BASE = '/visualizer/api';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

/** No answer at all (the node is down or the network gone): fetch rejected. */
export class Unreachable extends Error {}

async function send(url, signal) {
  try {
    return await fetch(url, { signal });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new Unreachable(`node unreachable (${err.message})`);
  }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== false) q.set(k, v === true ? 'true' : String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function getJson(path, params = {}, signal) {
  const res = await send(`${BASE}${path}${query(params)}`, signal);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const api = {
  runs: (signal) => getJson('/runs', {}, signal),
  metadata: (runId, signal) => getJson('/simulation/metadata', { runId }, signal),
  ticks: (runId, signal) => getJson('/ticks', { runId }, signal),
  organisms: (runId, tick, signal) => getJson(`/organisms/${tick}`, { runId }, signal),
  organism: (runId, tick, id, signal) => getJson(`/organisms/${tick}/${id}`, { runId }, signal),
  organismHistory: (runId, tick, id, signal) => getJson(`/organisms/${tick}/${id}/history`, { runId }, signal),
  organismGenome: (runId, tick, id, signal) => getJson(`/organisms/${tick}/${id}/genome`, { runId }, signal),
  async environment(runId, tick, region, minimap, signal) {
    const res = await send(`${BASE}/environment/${tick}${query({ runId, region: region.join(','), minimap })}`, signal);
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
    return decodeEnvironment(await res.arrayBuffer());
  },
};

export function decodeEnvironment(buf) {
  const dv = new DataView(buf);
  const magic = String.fromCharCode(dv.getUint8(0), dv.getUint8(1), dv.getUint8(2), dv.getUint8(3));
  if (magic !== 'EVEN') throw new Error('not an environment response');
  let o = 4;
  const u32 = () => {
    const v = dv.getUint32(o, true);
    o += 4;
    return v;
  };
  const version = u32();
  if (version !== 1) throw new Error(`environment format ${version} not supported`);
  const tick = u32() + u32() * 2 ** 32;
  const dims = u32();
  const min = [];
  const max = [];
  for (let d = 0; d < dims; d++) {
    min.push(dv.getInt32(o, true));
    o += 4;
  }
  for (let d = 0; d < dims; d++) {
    max.push(dv.getInt32(o, true));
    o += 4;
  }
  const n = u32();
  const flat = new Int32Array(buf, o, n);
  o += 4 * n;
  const molecules = new Int32Array(buf, o, n);
  o += 4 * n;
  const owners = new Int32Array(buf, o, n);
  o += 4 * n;
  const w = u32();
  const h = u32();
  let minimap = null;
  if (w > 0 && h > 0) {
    const mmOwners = new Int32Array(buf, o, w * h);
    o += 4 * w * h;
    const classes = new Uint8Array(buf, o, w * h);
    minimap = { width: w, height: h, owners: mmOwners, classes };
  }
  return { tick, region: { min, max }, flat, molecules, owners, minimap };
}

// Molecule words are decoded by the ISA's own codec (src/isa/molecule.ts, served compiled).
export { moleculeType, moleculeValue, moleculeMarker, MOLECULE_TYPE_NAMES } from './isa/molecule.js';
