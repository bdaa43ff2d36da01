/** Public edge of synthetic data: prompts, lengths, images (PNG/JPEG), audio (WAV) and --seq-dist. */
export { createRng, deriveSeed, randomSeed, type Rng } from "../../core/rng.ts";
export {
  createLengthSampler,
  type LengthDistribution,
  samplePositiveNormal,
  samplePositiveNormalInteger,
} from "./sampling.ts";
export { readBuiltinCorpus, tokenizeCorpus } from "./corpus.ts";
export { corpusIds } from "./corpus-ids.ts";
export { createPromptGenerator, type PromptGenerator } from "./prompt.ts";
export { loadPromptGenerator } from "./load.ts";
export { createAudioSource, readWavHeader, synthesizeWav, type AudioSynthOptions, type WavInfo, type WavOptions } from "./audio.ts";
export { createImageSource, type ImageSynthOptions, type SyntheticImage } from "./image.ts";
export { encodePng } from "./png.ts";
export { encodeJpeg } from "./jpeg.ts";
export { createSequenceSampler, parseSequenceDistribution, SequenceDistributionError, type SequencePair } from "./seq-dist.ts";
export { AUDIO_DEPTHS, AUDIO_FORMATS, IMAGE_FORMATS } from "./media-formats.ts";
