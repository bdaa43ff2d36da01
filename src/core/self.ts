/**
 * How this program starts itself again. Compiled, `process.execPath` is the binary and the bundled
 * entry lives under /$bunfs; from source, Bun needs the path of src/main.ts after it.
 */
export function isCompiled(): boolean {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
}

/** argv prefix that runs this program's CLI in a new process. */
export function selfCommand(): string[] {
  if (isCompiled()) return [process.execPath];
  return [process.execPath, new URL("../main.ts", import.meta.url).pathname];
}

/** The entry a worker thread of this program loads (src/main.ts, which starts the thread's side when not on the main thread). */
export function selfEntry(): string {
  return isCompiled() ? Bun.main : new URL("../main.ts", import.meta.url).href;
}

/** Hidden CLI subcommand a service child is started with. */
export const SERVICE_COMMAND = "__service";
