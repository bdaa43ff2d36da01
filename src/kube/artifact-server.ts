/**
 * `aiperf kube serve-artifacts`: the controller pod's second container. It serves the files the
 * controller writes into the shared emptyDir, so they can be read after the controller container
 * has ended (a finished container cannot be exec'd or copied from), through the API server's pod
 * proxy. It exits when told (POST /release, after a copy) or after --linger seconds.
 *
 *   GET  /files            {"files":[{"path","size"}]}  (paths relative to --dir)
 *   GET  /file/B64URL      the file whose path is B64URL (base64url, one path segment, so a proxy
 *                          needs no escaping), as base64 text (proxies and clients pass text safely)
 *   POST /release          exit 0 shortly after answering
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

export type ArtifactServer = { port: number; released: Promise<void>; stop(): void };

function listFiles(root: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(path);
      else if (st?.isFile()) out.push({ path: relative(root, path).split(sep).join("/"), size: st.size });
    }
  };
  walk(root);
  return out;
}

export function startArtifactServer(dir: string, port: number, lingerMs: number, hostname = "0.0.0.0"): ArtifactServer {
  const root = resolve(dir);
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  const timer = setTimeout(() => release(), lingerMs);
  const server = Bun.serve({
    hostname,
    port,
    fetch(req) {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/files") return Response.json({ files: listFiles(root) });
      if (req.method === "GET" && url.pathname.startsWith("/file/")) {
        const want = Buffer.from(url.pathname.slice("/file/".length), "base64url").toString();
        const path = resolve(root, want);
        // Only files under the directory: no "..", no absolute paths.
        if (want === "" || !path.startsWith(`${root}${sep}`)) return new Response("path outside the artifact directory\n", { status: 400 });
        try {
          return new Response(readFileSync(path).toString("base64"), { headers: { "content-type": "text/plain" } });
        } catch {
          return new Response("no such file\n", { status: 404 });
        }
      }
      if (req.method === "POST" && url.pathname === "/release") {
        setTimeout(() => release(), 200);
        return new Response("released\n");
      }
      if (url.pathname === "/healthz") return new Response("ok\n");
      return new Response("not found\n", { status: 404 });
    },
  });
  return {
    port: server.port as number,
    released,
    stop: () => {
      clearTimeout(timer);
      server.stop(true);
    },
  };
}
