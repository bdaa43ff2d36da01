import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  absoluteSearchPath,
  findSystemLibrary,
  isElfForThisMachine,
  libraryCandidates,
  loadedLibrary,
  locateNvml,
  NVML_LIBRARY,
  nvmlOverride,
  parseLdCache,
} from "../../src/core/system-library.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-syslib-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A glibc "new format" ld.so.cache image holding `entries`. */
function ldCache(entries: { name: string; path: string; flags: number }[]): Uint8Array {
  const header = 48;
  const table = header + entries.length * 24;
  const strings: number[] = [];
  const offsets = entries.map((e) => {
    const at = (s: string): number => {
      const o = table + strings.length;
      strings.push(...new TextEncoder().encode(s), 0);
      return o;
    };
    return [at(e.name), at(e.path)] as const;
  });
  const buf = new Uint8Array(table + strings.length);
  buf.set(new TextEncoder().encode("glibc-ld.so.cache1.1"), 0);
  const view = new DataView(buf.buffer);
  view.setUint32(20, entries.length, true);
  view.setUint32(24, strings.length, true);
  entries.forEach((e, i) => {
    view.setInt32(header + i * 24, e.flags, true);
    view.setUint32(header + i * 24 + 4, offsets[i]![0], true);
    view.setUint32(header + i * 24 + 8, offsets[i]![1], true);
  });
  buf.set(strings, table);
  return buf;
}

// A real shared object of this machine, copied (never loaded) under NVML's name.
const libc = findSystemLibrary("libc.so.6");
const good = join(dir, "good");
const bad = join(dir, "bad");
mkdirSync(good);
mkdirSync(bad);
if (libc !== undefined) copyFileSync(libc, join(good, NVML_LIBRARY));
writeFileSync(join(bad, NVML_LIBRARY), "not an ELF file");
const bare = { ldCache: null, standardDirs: [] as string[] };

describe("finding a system library by absolute path only", () => {
  test("empty and relative LD_LIBRARY_PATH entries (the loader reads them as the cwd) are dropped", () => {
    expect(absoluteSearchPath("::lib:./x:/opt/a:")).toEqual(["/opt/a"]);
    expect(absoluteSearchPath(undefined)).toEqual([]);
    expect(libraryCandidates(NVML_LIBRARY, { env: { LD_LIBRARY_PATH: ":.:lib" }, ...bare })).toEqual([]);
  });

  test.skipIf(libc === undefined)("an absolute LD_LIBRARY_PATH entry is searched; a file that is not an ELF shared object is passed over", () => {
    expect(findSystemLibrary(NVML_LIBRARY, { env: { LD_LIBRARY_PATH: `${bad}:${good}` }, ...bare })).toBe(join(good, NVML_LIBRARY));
    expect(findSystemLibrary(NVML_LIBRARY, { env: { LD_LIBRARY_PATH: bad }, ...bare })).toBeUndefined();
  });

  test("the loader cache: entries of this architecture with absolute paths, others ignored", () => {
    const cache = ldCache([
      { name: NVML_LIBRARY, path: join(bad, NVML_LIBRARY), flags: 0x0303 },
      { name: NVML_LIBRARY, path: "relative/libnvidia-ml.so.1", flags: 0x0303 },
      { name: NVML_LIBRARY, path: "/lib32/libnvidia-ml.so.1", flags: 0x0003 },
      { name: "libother.so", path: "/x/libother.so", flags: 0x0303 },
    ]);
    expect(parseLdCache(cache).map((e) => e.path)).toEqual([
      join(bad, NVML_LIBRARY),
      "relative/libnvidia-ml.so.1",
      "/lib32/libnvidia-ml.so.1",
      "/x/libother.so",
    ]);
    expect(libraryCandidates(NVML_LIBRARY, { env: {}, ldCache: cache, standardDirs: [], arch: "x64" })).toEqual([join(bad, NVML_LIBRARY)]);
    // Asked for one name: only its entries, the same as filtering the whole table (a prefix is no match).
    expect(parseLdCache(cache, NVML_LIBRARY)).toEqual(parseLdCache(cache).filter((e) => e.name === NVML_LIBRARY));
    expect(parseLdCache(cache, "libother.so")).toEqual([{ name: "libother.so", path: "/x/libother.so", flags: 0x0303 }]);
    expect(parseLdCache(cache, "libother.s")).toEqual([]);
    // A truncated or foreign file yields nothing rather than throwing.
    expect(parseLdCache(cache.subarray(0, 60))).toEqual([]);
    expect(parseLdCache(new TextEncoder().encode("garbage"))).toEqual([]);
  });

  test.skipIf(!existsSync("/etc/ld.so.cache"))("this machine's /etc/ld.so.cache parses and names libc by absolute path", () => {
    const entries = parseLdCache(readFileSync("/etc/ld.so.cache"));
    const libcEntry = entries.find((e) => e.name === "libc.so.6");
    expect(libcEntry?.path.startsWith("/")).toBe(true);
  });

  test.skipIf(libc === undefined)("only ELF shared objects of this machine's architecture", () => {
    expect(isElfForThisMachine(join(good, NVML_LIBRARY))).toBe(true);
    expect(isElfForThisMachine(join(bad, NVML_LIBRARY))).toBe(false);
    expect(isElfForThisMachine(join(good, NVML_LIBRARY), process.arch === "arm64" ? "x64" : "arm64")).toBe(false);
    expect(isElfForThisMachine(dir)).toBe(false);
  });

  test("AIPERF_NVML_LIBRARY: an absolute path is used as given; a relative one is an error naming the variable", () => {
    expect(nvmlOverride({})).toBeUndefined();
    expect(nvmlOverride({ AIPERF_NVML_LIBRARY: "/opt/nv/libnvidia-ml.so.1" })).toEqual({ path: "/opt/nv/libnvidia-ml.so.1" });
    const rel = nvmlOverride({ AIPERF_NVML_LIBRARY: "libnvidia-ml.so.1" });
    expect(rel !== undefined && "error" in rel && rel.error).toContain('AIPERF_NVML_LIBRARY="libnvidia-ml.so.1" is not an absolute path');
    expect(locateNvml({ env: { AIPERF_NVML_LIBRARY: "./x.so" }, ...bare })).toHaveProperty("unavailable");
    expect(locateNvml({ env: {}, ...bare })).toEqual({ unavailable: expect.stringContaining("not found in the loader cache") });
  });
});

describe("a library this process has already mapped", () => {
  test("found in /proc/self/maps: this process's own libc, an ELF object for this machine", () => {
    const path = loadedLibrary("libc.so.6");
    expect(path).toBeDefined();
    expect(path?.endsWith("/libc.so.6")).toBe(true);
    expect(isElfForThisMachine(path as string, process.arch)).toBe(true);
    expect(loadedLibrary("libaiperf-never-loaded.so.1")).toBeUndefined();
  });

  test("the map's path column: whole names only, deleted files and pseudo-mappings skipped", () => {
    const maps = [
      "55d0c000-55d0d000 r--p 00000000 08:01 123  /opt/x/notlibc.so.6",
      "7f00-7f01 r-xp 00000000 08:01 124  /old/libc.so.6 (deleted)",
      "7f02-7f03 rw-p 00000000 00:00 0  [heap]",
      "7f04-7f05 r-xp 00000000 08:01 125  /usr/lib/my dir/libc.so.6",
      "",
    ].join("\n");
    expect(loadedLibrary("libc.so.6", maps)).toBe("/usr/lib/my dir/libc.so.6");
    expect(loadedLibrary("libc.so.6", "7f02-7f03 rw-p 00000000 00:00 0  [heap]\n")).toBeUndefined();
  });
});
