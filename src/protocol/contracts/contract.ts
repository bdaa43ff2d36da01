/**
 * The shape every role's contract has: the commands the controller sends it (each a request and
 * its reply), the events it emits unasked, and the controller broadcasts it listens to. Types
 * only: the wire stays plain JSON (protocol/control.ts); these make both sides agree at compile
 * time. A command without a request has `req: undefined`.
 */
export type Command<Req, Rep> = { req: Req; rep: Rep };

export type Contract = {
  commands: Record<string, Command<unknown, unknown>>;
  events: Record<string, unknown>;
  broadcasts: Record<string, unknown>;
};

/** Nothing: a contract with no events, or no broadcasts. */
export type None = Record<never, never>;
