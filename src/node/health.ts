/** `--health-port`: /healthz (the process is up) and /readyz (joined, services started) for probes. */
export type Health = { readonly port: number; ready(on: boolean): void; stop(): void };

/** Probes come from outside the host (a kubelet), so it listens on every address by default. */
export function serveHealth(port: number, hostname = "0.0.0.0"): Health {
  let ready = false;
  const server = Bun.serve({
    port,
    hostname,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/healthz") return new Response("ok\n");
      if (path === "/readyz") return ready ? new Response("ready\n") : new Response("not ready\n", { status: 503 });
      return new Response("not found\n", { status: 404 });
    },
  });
  return { port: server.port as number, ready: (on) => void (ready = on), stop: () => void server.stop(true) };
}
