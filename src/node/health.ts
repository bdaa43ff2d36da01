/** `--health-port`: /healthz (the process is up) and /readyz (joined, services started) for probes. */
export type Health = { ready(on: boolean): void; stop(): void };

export function serveHealth(port: number): Health {
  let ready = false;
  const server = Bun.serve({
    port,
    hostname: "0.0.0.0",
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/healthz") return new Response("ok\n");
      if (path === "/readyz") return ready ? new Response("ready\n") : new Response("not ready\n", { status: 503 });
      return new Response("not found\n", { status: 404 });
    },
  });
  return { ready: (on) => void (ready = on), stop: () => void server.stop(true) };
}
