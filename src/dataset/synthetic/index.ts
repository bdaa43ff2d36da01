/** Public edge of synthetic prompt generation. */
export { createRng, deriveSeed, randomSeed, type Rng } from "../../core/rng.ts";
export {
  createLengthSampler,
  type LengthDistribution,
  samplePositiveNormal,
  samplePositiveNormalInteger,
} from "./sampling.ts";
export { readBuiltinCorpus, tokenizeCorpus } from "./corpus.ts";
export { createPromptGenerator, type PromptGenerator } from "./prompt.ts";
export { loadPromptGenerator } from "./load.ts";
