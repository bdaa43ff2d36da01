/**
 * Finds a system shared library by absolute path, so dlopen never searches for it. A bare name
 * given to dlopen can be found in the working directory (Bun resolves it there first), and then
 * a library planted there runs its constructor inside our process. So we look only where the
 * system keeps libraries: absolute LD_LIBRARY_PATH entries (the user's own choice), the dynamic
 * loader's cache (/etc/ld.so.cache) and the standard directories; each candidate must be an ELF
 * shared object for this machine. An explicit path (NVML: AIPERF_NVML_LIBRARY) must be absolute.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

export const NVML_LIBRARY = "libnvidia-ml.so.1";
export const NVML_LIBRARY_ENV = "AIPERF_NVML_LIBRARY";

const LD_CACHE = "/etc/ld.so.cache";

/** Where distributions, the NVIDIA container toolkit and WSL put libraries, 64-bit first. */
const STANDARD_LIBRARY_DIRS: Record<string, readonly string[]> = {
  x64: [
    "/usr/lib/x86_64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/local/nvidia/lib64",
    "/usr/local/lib64",
    "/usr/lib/wsl/lib",
    "/usr/lib",
    "/lib",
    "/usr/local/lib",
  ],
  arm64: [
    "/usr/lib/aarch64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/local/nvidia/lib64",
    "/usr/local/lib64",
    "/usr/lib/wsl/lib",
    "/usr/lib",
    "/lib",
    "/usr/local/lib",
  ],
};

/** ELF e_machine and the ld.so.cache arch flag of each architecture we run on. */
const ARCH: Record<string, { machine: number; cacheFlag: number }> = {
  x64: { machine: 62, cacheFlag: 0x0300 },
  arm64: { machine: 183, cacheFlag: 0x0a00 },
};

/** The absolute entries of an LD_LIBRARY_PATH: empty and relative ones mean the cwd to the loader, so they are dropped. */
export function absoluteSearchPath(value: string | undefined): string[] {
  return (value ?? "").split(":").filter((dir) => dir !== "" && isAbsolute(dir));
}

type CacheEntry = { name: string; path: string; flags: number };

const NEW_MAGIC = "glibc-ld.so.cache1.1";
const OLD_MAGIC = "ld.so-1.7.0";

/**
 * The entries of an ld.so.cache image (glibc's "new" format, alone or after the old one). Any
 * inconsistency ends the parse with what was read so far: the file is a hint, never trusted.
 */
export function parseLdCache(buf: Uint8Array, only?: string): CacheEntry[] {
  // With `only`, the name's offsets are found with one native search and only entries naming one
  // of them are decoded: every process finds libc at start-up (core/clock.ts), and decoding all
  // ~600 entries took ~5 ms of it.
  const wanted = only === undefined ? undefined : offsetsOf(buf, `${only}\0`);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder();
  const ascii = (at: number, len: number): string => latin1.decode(buf.subarray(at, at + len));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let base = 0;
  if (ascii(0, OLD_MAGIC.length) === OLD_MAGIC) {
    // Old header: magic (12 bytes with padding), nlibs, then 12-byte entries; the new format follows, 8-aligned.
    if (buf.length < 16) return [];
    const oldCount = view.getUint32(12, true);
    base = 16 + oldCount * 12;
    base = (base + 7) & ~7;
  }
  if (ascii(base, NEW_MAGIC.length) !== NEW_MAGIC || base + 48 > buf.length) return [];
  const count = view.getUint32(base + 20, true);
  const entries: CacheEntry[] = [];
  const cstring = (offset: number): string | undefined => {
    // Offsets count from the new header.
    const at = base + offset;
    if (offset <= 0 || at >= buf.length) return undefined;
    const end = buf.indexOf(0, at);
    return end < 0 ? undefined : utf8.decode(buf.subarray(at, end));
  };
  for (let i = 0; i < count; i++) {
    const at = base + 48 + i * 24;
    if (at + 24 > buf.length) break;
    const flags = view.getInt32(at, true);
    if (wanted !== undefined && !wanted.has(base + view.getUint32(at + 4, true))) continue;
    const name = cstring(view.getUint32(at + 4, true));
    const path = cstring(view.getUint32(at + 8, true));
    if (name !== undefined && path !== undefined) entries.push({ name, path, flags });
  }
  return entries;
}

/** Every offset in `buf` where `text` (NUL-terminated: a whole C string or the tail of one) starts. */
function offsetsOf(buf: Uint8Array, text: string): Set<number> {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const found = new Set<number>();
  for (let at = bytes.indexOf(text); at >= 0; at = bytes.indexOf(text, at + 1)) found.add(at);
  return found;
}

/** True when `path` is a regular file holding a 64-bit ELF shared object for this machine. */
export function isElfForThisMachine(path: string, arch: string = process.arch): boolean {
  const want = ARCH[arch];
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, "r");
    const head = new Uint8Array(20);
    if (readSync(fd, head, 0, 20, 0) < 20) return false;
    const isElf64 = head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46 && head[4] === 2;
    const type = head[16]! | (head[17]! << 8);
    const machine = head[18]! | (head[19]! << 8);
    // ET_DYN (3): a shared object, not an executable or a relocatable file.
    return isElf64 && type === 3 && (want === undefined || machine === want.machine);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export type LibrarySearch = {
  env?: Record<string, string | undefined>;
  arch?: string;
  /** The loader cache's bytes (tests); read from /etc/ld.so.cache when absent. */
  ldCache?: Uint8Array | null;
  standardDirs?: readonly string[];
};

function readLdCache(): Uint8Array | null {
  try {
    return readFileSync(LD_CACHE);
  } catch {
    return null;
  }
}

/** Every absolute place `name` may be, in the loader's order of preference (duplicates once). */
export function libraryCandidates(name: string, opts: LibrarySearch = {}): string[] {
  const env = opts.env ?? process.env;
  const arch = opts.arch ?? process.arch;
  const flag = ARCH[arch]?.cacheFlag;
  const cache = opts.ldCache === undefined ? readLdCache() : opts.ldCache;
  const fromCache =
    cache === null
      ? []
      : parseLdCache(cache, name)
          .filter((e) => e.name === name && (flag === undefined || (e.flags & 0xff00) === flag))
          .map((e) => e.path);
  const dirs = opts.standardDirs ?? STANDARD_LIBRARY_DIRS[arch] ?? STANDARD_LIBRARY_DIRS.x64!;
  const all = [...absoluteSearchPath(env.LD_LIBRARY_PATH).map((d) => join(d, name)), ...fromCache, ...dirs.map((d) => join(d, name))];
  return [...new Set(all.filter((p) => isAbsolute(p)))];
}

/** The absolute path of a system library, or undefined when none of the system's places has it. */
export function findSystemLibrary(name: string, opts: LibrarySearch = {}): string | undefined {
  const arch = opts.arch ?? process.arch;
  return libraryCandidates(name, opts).find((p) => isElfForThisMachine(p, arch));
}

/**
 * The absolute path of `name` as already mapped into this process (from `maps`, default
 * /proc/self/maps), or undefined. A library the process has loaded runs no new code when opened
 * again, and reading the map (0.5–2 ms) is cheaper than the loader cache's search (4–9 ms, paid by
 * every process and thread at start-up for libc: core/clock.ts).
 */
export function loadedLibrary(name: string, maps?: string): string | undefined {
  let text = maps;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/maps", "latin1");
    } catch {
      return undefined;
    }
  }
  const suffix = `/${name}`;
  for (const line of text.split("\n")) {
    const at = line.indexOf(" /");
    if (at < 0) continue;
    const path = line.slice(at + 1).trimEnd();
    if (path.endsWith(suffix) && isAbsolute(path)) return path;
  }
  return undefined;
}

/** AIPERF_NVML_LIBRARY when set: an absolute path, or a message naming the variable and the fix. */
export function nvmlOverride(env: Record<string, string | undefined> = process.env): { path: string } | { error: string } | undefined {
  const value = env[NVML_LIBRARY_ENV];
  if (value === undefined || value === "") return undefined;
  if (!isAbsolute(value))
    return { error: `${NVML_LIBRARY_ENV}="${value}" is not an absolute path (a relative one would be looked up from the working directory)` };
  return { path: value };
}

/** Where to load NVML from: the override, else the system's copy; otherwise why not. */
export function locateNvml(opts: LibrarySearch = {}): { path: string } | { unavailable: string } {
  const override = nvmlOverride(opts.env ?? process.env);
  if (override !== undefined) return "error" in override ? { unavailable: override.error } : override;
  const path = findSystemLibrary(NVML_LIBRARY, opts);
  if (path !== undefined) return { path };
  return {
    unavailable: `${NVML_LIBRARY} not found in the loader cache or the system library directories (set ${NVML_LIBRARY_ENV}=/absolute/path to use another copy)`,
  };
}
