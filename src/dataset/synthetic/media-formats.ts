/** The choices of the synthetic media flags (defined with the other format names in protocol/). */
export { AUDIO_DEPTHS, type AudioDepth, AUDIO_FORMATS, type AudioFormat, IMAGE_FORMATS, type ImageFormat } from "../../protocol/dataset-formats.ts";
