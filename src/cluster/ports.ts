/**
 * Where a controller listens for worker nodes: five consecutive TCP ports from --zmq-port, so a
 * firewall or a Kubernetes Service names one range. Nodes are given only the first
 * (`--controller tcp://HOST:PORT`) and learn the rest from it.
 */
const PORT_OFFSETS = {
  /** HTTP: /api/join (a WebSocket per node), /api/time, /api/dataset. */
  gate: 0,
  /** The supervisor's control ROUTER and events PUB. */
  control: 1,
  events: 2,
  /** The timing service's credits ROUTER and the records service's PULL. */
  credits: 3,
  records: 4,
} as const;

type ClusterPorts = { [K in keyof typeof PORT_OFFSETS]: number };

export function clusterPorts(base: number): ClusterPorts {
  return {
    gate: base + PORT_OFFSETS.gate,
    control: base + PORT_OFFSETS.control,
    events: base + PORT_OFFSETS.events,
    credits: base + PORT_OFFSETS.credits,
    records: base + PORT_OFFSETS.records,
  };
}

/** Parses `tcp://HOST:PORT` (or HOST:PORT); a string names what is wrong. */
export function parseControllerAddress(text: string): { host: string; port: number } | string {
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) return `"${text}" is not tcp://HOST:PORT`;
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, "$1"), port };
}

/** A host as it goes into a URL or endpoint (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
