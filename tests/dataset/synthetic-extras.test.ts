/** Synthetic turns with the extras: media parts, --seq-dist, prefix pool, system and user context prompts, model selection. */
import { beforeAll, describe, expect, test } from "bun:test";
import { readWavHeader } from "../../src/dataset/synthetic/index.ts";
import { NO_SYNTHETIC_EXTRAS, type DatasetConfig, type SyntheticConfig } from "../../src/protocol/dataset-config.ts";
import { createModelSelector } from "../../src/services/dataset/synthetic-extras.ts";
import { createSynthesizer } from "../../src/services/dataset/synthesize.ts";
import { appendTurn, threadBody } from "../../src/services/worker/session-history.ts";
import { loadBuiltinTokenizer, type Tokenizer } from "../../src/tokenizer/index.ts";
import { datasetConfig } from "./support.ts";

type Message = { role: string; content: unknown; name?: string };
type Body = { model: string; messages: Message[]; max_completion_tokens?: number; system?: string };
type Turn = { body: Body; inputTokens: number };

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await loadBuiltinTokenizer();
});

/** Conversations as the dataset service builds them (one text per turn). */
async function synthesize(over: Partial<DatasetConfig>, extras: Partial<SyntheticConfig>): Promise<Turn[][]> {
  const cfg = datasetConfig({ isl: 20, conversationNum: 4, ...over, synthetic: { ...NO_SYNTHETIC_EXTRAS, ...extras } });
  const synth = await createSynthesizer(tokenizer, cfg);
  const out: Turn[][] = [];
  for (let c = 0; c < cfg.conversationNum; c++) {
    synth.sessionId();
    const count = synth.turns();
    const session = synth.session();
    out.push(Array.from({ length: count }, (_, t) => synth.turn(t === 0, 1, session) as Turn));
  }
  return out;
}

const parts = (m: Message | undefined) => (Array.isArray(m?.content) ? (m.content as Record<string, any>[]) : []);
const lastUser = (b: Body) => b.messages.at(-1) as Message;

describe("media", () => {
  test("images and audio become image_url and input_audio parts after the text, batch sizes honoured", async () => {
    const convs = await synthesize(
      {},
      {
        images: { widthMean: 16, widthStddev: 0, heightMean: 8, heightStddev: 0, format: "png", batchSize: 2 },
        audio: { lengthMean: 0.05, lengthStddev: 0, sampleRatesKhz: [16], depths: [16], channels: 1, format: "wav", batchSize: 1 },
      },
    );
    for (const [turn] of convs) {
      const p = parts(lastUser((turn as Turn).body));
      expect(p.map((x) => x.type)).toEqual(["text", "image_url", "image_url", "input_audio"]);
      expect(p[1]?.image_url.url).toMatch(/^data:image\/png;base64,/);
      expect(p[3]?.input_audio.format).toBe("wav");
      const wav = readWavHeader(Buffer.from(p[3]?.input_audio.data, "base64"));
      expect([wav.sampleRate, wav.bitDepth, wav.channels, wav.frames]).toEqual([16000, 16, 1, 800]);
      expect(tokenizer.count(p[0]?.text)).toBe(20);
      expect((turn as Turn).inputTokens).toBe(20);
    }
  });

  test("--isl 0 with images sends no text part (upstream's include_prompt)", async () => {
    const convs = await synthesize({ isl: 0 }, { images: { widthMean: 4, widthStddev: 0, heightMean: 4, heightStddev: 0, format: "jpeg", batchSize: 1 } });
    const p = parts(lastUser((convs[0]![0] as Turn).body));
    expect(p.map((x) => x.type)).toEqual(["image_url"]);
    expect(p[0]?.image_url.url).toMatch(/^data:image\/jpeg;base64,/);
  });
});

describe("--seq-dist", () => {
  test("each turn's ISL and max_completion_tokens come from one pair; --osl is not used", async () => {
    const convs = await synthesize(
      { conversationNum: 40, osl: 999 },
      {
        seqDist: [
          { isl: 10, islStddev: 0, osl: 5, oslStddev: 0, probability: 50 },
          { isl: 30, islStddev: 0, osl: 7, oslStddev: 0, probability: 50 },
        ],
      },
    );
    const seen = new Set<string>();
    for (const [turn] of convs) {
      const t = turn as Turn;
      const text = lastUser(t.body).content as string;
      const pair = `${tokenizer.count(text)}/${t.body.max_completion_tokens}`;
      expect(["10/5", "30/7"]).toContain(pair);
      expect(t.inputTokens).toBe(tokenizer.count(text));
      seen.add(pair);
    }
    expect(seen.size).toBe(2);
  });
});

describe("prompt prefixes and context prompts", () => {
  test("first turns start with one of the pool's prefixes; later turns do not", async () => {
    const convs = await synthesize({ conversationNum: 12, turnMean: 2 }, { prefixPoolSize: 2, prefixLength: 6 });
    const prefixes = new Set<string>();
    for (const [first, second] of convs) {
      const text = lastUser((first as Turn).body).content as string;
      const later = lastUser((second as Turn).body).content as string;
      expect(tokenizer.count(later)).toBe(20);
      // The prefix is a 6-token prompt, then a space, then the 20-token prompt.
      expect(Math.abs(tokenizer.count(text) - 27)).toBeLessThanOrEqual(1);
      expect((first as Turn).inputTokens).toBe(tokenizer.count(text));
      const cut = [...text].findIndex((_, i) => tokenizer.count(text.slice(0, i)) >= 6 && text[i] === " ");
      prefixes.add(text.slice(0, cut));
    }
    expect(prefixes.size).toBe(2);
  });

  test("one system prompt shared by every session; a user context unique to each; only on first turns; counted in ISL", async () => {
    const convs = await synthesize({ conversationNum: 5, turnMean: 2 }, { sharedSystemPromptLength: 12, userContextPromptLength: 9 });
    const systems = new Set<string>();
    const contexts = new Set<string>();
    for (const [first, second] of convs) {
      const f = (first as Turn).body.messages;
      expect(f.map((m) => m.role)).toEqual(["system", "user", "user"]);
      expect(tokenizer.count(f[0]?.content as string)).toBe(12);
      expect(tokenizer.count(f[1]?.content as string)).toBe(9);
      systems.add(f[0]?.content as string);
      contexts.add(f[1]?.content as string);
      expect((first as Turn).inputTokens).toBe(20 + 12 + 9);
      expect((second as Turn).body.messages.map((m) => m.role)).toEqual(["user"]);
      expect((second as Turn).inputTokens).toBe(20);
    }
    expect(systems.size).toBe(1);
    expect(contexts.size).toBe(5);
  });

  test("a later chat turn, threaded by the worker, still starts with the system prompt and user context", async () => {
    const [conv] = await synthesize({ conversationNum: 1, turnMean: 3 }, { sharedSystemPromptLength: 4, userContextPromptLength: 3 });
    const bytes = (t: Turn | undefined) => new TextEncoder().encode(JSON.stringify(t?.body));
    let history = appendTurn(undefined, bytes(conv?.[0]), "first reply");
    history = appendTurn(history, bytes(conv?.[1]), "second reply");
    const third = JSON.parse(new TextDecoder().decode(threadBody(bytes(conv?.[2]), history))) as Body;
    expect(third.messages.map((m) => m.role)).toEqual(["system", "user", "user", "assistant", "user", "assistant", "user"]);
    expect(third.messages[0]?.content).toBe(conv?.[0]?.body.messages[0]?.content as string);
  });

  test("messages (Anthropic) carries the system prompt as the top-level system field on every turn", async () => {
    const convs = await synthesize({ endpointType: "messages", conversationNum: 2, turnMean: 2 }, { sharedSystemPromptLength: 5 });
    for (const turns of convs) {
      for (const t of turns) {
        expect(tokenizer.count(t.body.system as string)).toBe(5);
        expect(t.body.messages.map((m) => m.role)).toEqual(["user"]);
      }
    }
  });
});

describe("model selection", () => {
  test("round_robin cycles through the models turn by turn", async () => {
    const convs = await synthesize({ model: ["a", "b", "c"], conversationNum: 3, turnMean: 2 }, {});
    expect(convs.flat().map((t) => t.body.model)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  test("random picks each model about equally, the same way for the same seed", () => {
    const pick = createModelSelector(["a", "b"], "random", 3);
    const picks = Array.from({ length: 1000 }, pick);
    const a = picks.filter((m) => m === "a").length;
    expect(a).toBeGreaterThan(440);
    expect(a).toBeLessThan(560);
    expect(picks.slice(0, 20).join("")).not.toBe("abababababababababab");
    const again = createModelSelector(["a", "b"], "random", 3);
    expect(Array.from({ length: 50 }, again)).toEqual(picks.slice(0, 50));
  });

  test("random selection reaches the request bodies", async () => {
    const convs = await synthesize({ model: ["x", "y"], conversationNum: 30 }, { modelSelection: "random" });
    const models = convs.flat().map((t) => t.body.model);
    expect(new Set(models)).toEqual(new Set(["x", "y"]));
    expect(models.join("")).not.toBe("xy".repeat(15));
  });
});

test("without extras a seed's prompts are unchanged by this feature set", async () => {
  const plain = await synthesize({}, {});
  const withMedia = await synthesize({}, { images: { widthMean: 2, widthStddev: 0, heightMean: 2, heightStddev: 0, format: "png", batchSize: 1 } });
  expect(withMedia.map((c) => parts(lastUser((c[0] as Turn).body))[0]?.text)).toEqual(plain.map((c) => lastUser((c[0] as Turn).body).content as string));
});
