/**
 * Topic prefix matching for PUB/SUB. Topics are raw bytes; keys are their latin1 spelling so any
 * byte sequence maps to exactly one key (never a UTF-8 decoding, trap §11.13).
 */
const latin1 = new TextDecoder("latin1");

export function topicKey(topic: Uint8Array): string {
  return latin1.decode(topic);
}

/** True when `topic` is a byte prefix of `frame` (the empty topic matches everything). */
function isPrefix(topic: Uint8Array, frame: Uint8Array | undefined): boolean {
  if (topic.length === 0) return true;
  if (frame === undefined || frame.length < topic.length) return false;
  for (let i = 0; i < topic.length; i++) if (topic[i] !== frame[i]) return false;
  return true;
}

/** A set of topics with the prefix test a publisher (per peer) or subscriber (locally) applies. */
export class TopicSet {
  #topics = new Map<string, { topic: Uint8Array; count: number }>();

  get size(): number {
    return this.#topics.size;
  }

  /** Adds one reference; returns true when the topic is new. */
  add(topic: Uint8Array): boolean {
    const key = topicKey(topic);
    const entry = this.#topics.get(key);
    if (entry !== undefined) {
      entry.count++;
      return false;
    }
    this.#topics.set(key, { topic: topic.slice(), count: 1 });
    return true;
  }

  /** Drops one reference; returns true when the last one went (the topic is gone). */
  remove(topic: Uint8Array): boolean {
    const key = topicKey(topic);
    const entry = this.#topics.get(key);
    if (entry === undefined) return false;
    if (--entry.count > 0) return false;
    this.#topics.delete(key);
    return true;
  }

  /** Forgets every reference to the topic (a publisher's per-peer set is a set, not a count). */
  delete(topic: Uint8Array): void {
    this.#topics.delete(topicKey(topic));
  }

  matches(frame: Uint8Array | undefined): boolean {
    for (const { topic } of this.#topics.values()) if (isPrefix(topic, frame)) return true;
    return false;
  }

  topics(): Uint8Array[] {
    return [...this.#topics.values()].map((e) => e.topic);
  }
}
