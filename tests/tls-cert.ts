/**
 * A self-signed certificate for 127.0.0.1 made with openssl in `dir`, for the tests' TLS servers
 * (the raw transport's TLS tests, the Kubernetes API stand-in). Check `Bun.which("openssl")` first.
 */
import { readFileSync } from "node:fs";
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
