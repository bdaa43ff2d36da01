/** The bus: ZeroMQ's wire protocol (ZMTP 3.1, NULL) on Bun sockets, plus an in-process transport. */
export { BusError, type BusErrorCode } from "./errors.ts";
export { type BusLogger, setBusLogger } from "./pipe.ts";
export { BusSocket, createSocket, type Message, type Sendable, type SocketOptions, type SocketType } from "./socket.ts";
export { parseEndpoint } from "./transport.ts";
