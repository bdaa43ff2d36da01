/**
 * The dataset service's source of synthetic turns: prompt texts of sampled token counts, sampled
 * max_tokens, session ids and, through synthetic-extras.ts, media, --seq-dist pairs, prefix /
 * system / user context prompts and per-turn models, all from one seed (drawn when
 * --random-seed is absent). `turn` returns each turn's ready request body.
 */
import {
  createLengthSampler,
  createPromptGenerator,
  createRng,
  deriveSeed,
  randomSeed,
  readBuiltinCorpus,
  samplePositiveNormalInteger,
  corpusIds,
} from "../../dataset/synthetic/index.ts";
import type { DatasetConfig } from "../../protocol/dataset-config.ts";
import type { Tokenizer } from "../../tokenizer/index.ts";
import { requestBody, withContextMessages } from "./request-body.ts";
import { createExtras, type Prompt } from "./synthetic-extras.ts";
import { cacheBustMarker, createTextPlan, withMarker } from "./turn-shape.ts";

/** What one session shares across its turns: its user context prompt and --cache-bust marker, if any. */
type SessionContext = { userContext: Prompt | null; marker?: string | null };

type Synthesizer = {
  /** A prompt of a sampled ISL, with the token count it re-encodes to. */
  prompt(): { text: string; tokens: number };
  /** A sampled OSL, or null when --osl is not set. */
  maxTokens(): number | null;
  /** A UUID-shaped session id, reproducible under a seed. */
  sessionId(): string;
  /** Turns of the next conversation (≥ 1). */
  turns(): number;
  /** Delay in ms before a turn after the first (already × the ratio). */
  turnDelayMs(): number;
  /** The next session's shared context (call once per conversation, before its turns). */
  session(): SessionContext;
  /**
   * The next turn's request body and input tokens: `texts` prompts (ISL from --seq-dist or --isl),
   * the prefix prompt on a first turn's first text, images, audio, the turn's model and
   * max_tokens; a first turn also carries the system prompt and the session's user context,
   * whose tokens count in its ISL.
   */
  turn(first: boolean, texts: number, session: SessionContext): { body: Record<string, unknown>; inputTokens: number };
};

export async function createSynthesizer(tokenizer: Tokenizer, cfg: DatasetConfig): Promise<Synthesizer> {
  const seed = cfg.randomSeed ?? randomSeed();
  const corpus = corpusIds(await readBuiltinCorpus(), tokenizer);
  // The same stream loadPromptGenerator uses, so a seed's prompts do not change with the extras.
  const prompts = createPromptGenerator(tokenizer, corpus, createRng(deriveSeed(seed, "prompts")));
  const isl = createLengthSampler(createRng(deriveSeed(seed, "isl")), { mean: cfg.isl, stddev: cfg.islStddev });
  const extras = createExtras(tokenizer, corpus, cfg, seed);
  const maxTokens = createOslSampler(seed, cfg);
  const prompt = (): Prompt => {
    const tokens = isl();
    return { text: prompts.promptOfTokens(tokens), tokens };
  };
  // Upstream sends no text when --isl is 0 and the turn has media.
  const withText = extras.sequence !== null || cfg.isl > 0 || !extras.media;
  const plan = createTextPlan(cfg, seed);
  const bust = cfg.upstream.cacheBust;
  return {
    prompt,
    maxTokens,
    sessionId: createSessionIds(seed),
    ...createTurnSampler(seed, cfg),
    session: () => ({ userContext: extras.userContext(), marker: cfg.upstream.cacheBust === "none" ? null : cacheBustMarker() }),
    turn(first, count, session) {
      const pair = extras.sequence?.() ?? null;
      const texts: Prompt[] = [];
      const lengths = plan.lengths?.() ?? null;
      if (lengths !== null) for (const n of lengths) texts.push({ text: prompts.promptOfTokens(n), tokens: n });
      else
        for (let i = 0; withText && i < Math.max(count, plan.count); i++)
          texts.push(pair === null ? prompt() : { text: prompts.promptOfTokens(pair.isl), tokens: pair.isl });
      const prefix = first ? extras.prefix() : null;
      const head = texts[0];
      if (prefix !== null && head !== undefined) {
        const text = `${prefix} ${head.text}`;
        texts[0] = { text, tokens: tokenizer.count(text) };
      }
      let system = extras.system?.text ?? null;
      // --cache-bust: on the system prompt when asked and there is one, else on the first text.
      const marker = first ? (session.marker ?? null) : null;
      if (marker !== null && bust.startsWith("system_") && system !== null) system = withMarker(system, marker, bust);
      else if (marker !== null && texts[0] !== undefined) {
        const text = withMarker(texts[0].text, marker, bust);
        texts[0] = { text, tokens: tokenizer.count(text) };
      }
      const turn = {
        model: extras.model(),
        texts: texts.map((t) => t.text),
        maxTokens: pair === null ? maxTokens() : pair.osl,
        images: extras.images(),
        audios: extras.audios(),
      };
      const userContext = session.userContext?.text ?? null;
      const body = withContextMessages(requestBody(turn, cfg), cfg.endpointType, { system, userContext }, first);
      let inputTokens = texts.reduce((n, t) => n + t.tokens, 0);
      if (first)
        inputTokens +=
          (system === null ? 0 : system === extras.system?.text ? extras.system.tokens : tokenizer.count(system)) + (session.userContext?.tokens ?? 0);
      return { body, inputTokens };
    },
  };
}

/** Upstream's conversation shape: turns = ceil(normal ≥ 0), at least 1; delay = ceil(normal ≥ 0) × ratio. */
export function createTurnSampler(
  seed: number,
  cfg: Pick<DatasetConfig, "turnMean" | "turnStddev" | "turnDelayMean" | "turnDelayStddev" | "turnDelayRatio">,
): Pick<Synthesizer, "turns" | "turnDelayMs"> {
  const turnRng = createRng(deriveSeed(seed, "turns"));
  const delayRng = createRng(deriveSeed(seed, "turn-delays"));
  return {
    turns: () => Math.max(1, samplePositiveNormalInteger(turnRng, cfg.turnMean, cfg.turnStddev)),
    turnDelayMs: () => samplePositiveNormalInteger(delayRng, cfg.turnDelayMean, cfg.turnDelayStddev) * cfg.turnDelayRatio,
  };
}

/** Sampled max_tokens from --osl/--osl-stddev, or always null when --osl is not set. */
export function createOslSampler(seed: number, cfg: Pick<DatasetConfig, "osl" | "oslStddev">): () => number | null {
  const osl = cfg.osl === null ? null : createLengthSampler(createRng(deriveSeed(seed, "osl")), { mean: cfg.osl, stddev: cfg.oslStddev });
  // A sampled 0 means "no limit" for upstream too (max_tokens is only sent when truthy).
  return () => (osl === null ? null : Math.max(1, osl()));
}

const WORD = 2 ** 32;

const HEX = new TextEncoder().encode("0123456789abcdef");

/**
 * UUID-shaped session ids, reproducible under a seed: four 32-bit draws as 32 hex digits, with
 * digits 12 and 16 replaced by "4" and "a". The digits are put into a byte buffer and read out
 * as one flat string: a million-line trace names a million sessions, and a string concatenated
 * from pieces costs more again each time it is first written out (flattened).
 */
export function createSessionIds(seed: number): () => string {
  const ids = createRng(deriveSeed(seed, "session-ids"));
  const buf = Buffer.alloc(36, 0x2d); // "-" where nothing else goes
  buf[14] = 0x34; // "4"
  buf[19] = 0x61; // "a"
  /** The low `n` hex digits of `w` at `at`. */
  const put = (w: number, at: number, n: number): void => {
    for (let k = n - 1; k >= 0; k--) {
      buf[at + k] = HEX[w & 15] as number;
      w >>>= 4;
    }
  };
  return () => {
    const a = ids.int(WORD);
    const b = ids.int(WORD);
    const c = ids.int(WORD);
    const d = ids.int(WORD);
    put(a, 0, 8);
    put(b >>> 16, 9, 4);
    put(b & 0xfff, 15, 3);
    put((c >>> 16) & 0xfff, 20, 3);
    put(c & 0xffff, 24, 4);
    put(d, 28, 8);
    return buf.toString("latin1", 0, 36);
  };
}
