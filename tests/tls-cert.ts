/**
 * A self-signed certificate for 127.0.0.1 made with openssl in `dir`, for the tests' TLS servers
 * (the raw transport's TLS tests, the Kubernetes API stand-in), and such a server ready to use.
 * Check `Bun.which("openssl")` first.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function makeCert(dir: string): { cert: string; key: string } {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const made = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stderr: "pipe" },
  );
  if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

/** A TLS server on 127.0.0.1 with a fresh certificate; `stop()` also removes the certificate's files. */
export function serveTls(fetch: (req: Request, server: Bun.Server<undefined>) => Response | Promise<Response>): {
  server: Bun.Server<undefined>;
  stop(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-tls-"));
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: makeCert(dir), fetch });
  return {
    server,
    stop() {
      server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
