/**
 * Source files and path resolution. The compiler core reads files only through `SourceFileSystem`, so it can
 * compile from memory (tests, editors) as well as from disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceRoot } from './options.js';

export interface SourceFileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  read(absolutePath: string): string | undefined;
}

export const diskFileSystem: SourceFileSystem = {
  read(p) {
    try {
      if (!fs.statSync(p).isFile()) return undefined;
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** An in-memory file system keyed by absolute (posix-normalised) paths. */
export function memoryFileSystem(files: Record<string, string>): SourceFileSystem {
  const map = new Map(Object.entries(files).map(([k, v]) => [path.resolve(k), v]));
  return { read: (p) => map.get(path.resolve(p)) };
}

export interface LoadedFile {
  /** Absolute path; the identity of a file for cycle detection. */
  readonly absolute: string;
  /** Path shown in diagnostics and the artifact: relative to the first source root when inside it. */
  readonly display: string;
  readonly text: string;
  readonly lines: readonly string[];
}

export type ResolveResult = { ok: true; file: LoadedFile } | { ok: false; tried: string[] };

/**
 * Resolves `.IMPORT`/`.REQUIRE`/`.SOURCE` paths. Order: a `PREFIX:` selects one named root; an absolute path
 * is used as is; otherwise every source root is tried in order (the reference's rule), then the including
 * file's own folder (so a module can name its siblings relatively).
 */
export class SourceResolver {
  private readonly cache = new Map<string, LoadedFile | null>();
  readonly roots: readonly SourceRoot[];

  constructor(
    private readonly fsys: SourceFileSystem,
    roots: readonly SourceRoot[],
  ) {
    this.roots = roots.map((r) => ({ ...r, path: path.resolve(r.path) }));
  }

  load(absolute: string): LoadedFile | undefined {
    const abs = path.resolve(absolute);
    const hit = this.cache.get(abs);
    if (hit !== undefined) return hit ?? undefined;
    const text = this.fsys.read(abs);
    const file =
      text === undefined ? null : { absolute: abs, display: this.display(abs), text, lines: text.split(/\r?\n/) };
    this.cache.set(abs, file);
    return file ?? undefined;
  }

  resolve(spec: string, fromFile: LoadedFile | undefined): ResolveResult {
    const tried: string[] = [];
    const attempt = (p: string): LoadedFile | undefined => {
      const abs = path.resolve(p);
      if (!tried.includes(abs)) tried.push(abs);
      return this.load(abs);
    };
    const prefixed = /^([A-Za-z_][A-Za-z0-9_-]*):(?![\\/])(.*)$/.exec(spec);
    // A drive letter (C:\x) is not a prefix; a prefix only counts when a root carries it.
    if (prefixed && this.roots.some((r) => r.prefix?.toUpperCase() === prefixed[1]!.toUpperCase())) {
      for (const root of this.roots.filter((r) => r.prefix?.toUpperCase() === prefixed[1]!.toUpperCase())) {
        const f = attempt(path.join(root.path, prefixed[2]!));
        if (f) return { ok: true, file: f };
      }
      return { ok: false, tried };
    }
    if (path.isAbsolute(spec)) {
      const f = attempt(spec);
      return f ? { ok: true, file: f } : { ok: false, tried };
    }
    for (const root of this.roots.filter((r) => r.prefix === undefined)) {
      const f = attempt(path.join(root.path, spec));
      if (f) return { ok: true, file: f };
    }
    if (fromFile) {
      const f = attempt(path.join(path.dirname(fromFile.absolute), spec));
      if (f) return { ok: true, file: f };
    }
    return { ok: false, tried };
  }

  private display(abs: string): string {
    for (const root of this.roots) {
      const rel = path.relative(root.path, abs);
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
    }
    return abs.split(path.sep).join('/');
  }
}
