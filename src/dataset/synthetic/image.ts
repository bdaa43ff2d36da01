/**
 * Synthetic images as newer upstream makes them by default (`--image-source noise`, §1.5): random
 * RGB noise of a sampled size (ceil of a normal ≥ 0 per side, at least 1 px), encoded PNG or
 * JPEG (`random` picks one per image) and sent as a `data:image/<fmt>;base64,…` URI (§3.3).
 */
import { createRng, deriveSeed } from "../../core/rng.ts";
import { encodeJpeg } from "./jpeg.ts";
import { encodePng } from "./png.ts";
import { samplePositiveNormalInteger } from "./sampling.ts";

import type { ImageFormat } from "./media-formats.ts";

export { IMAGE_FORMATS, type ImageFormat } from "./media-formats.ts";

/** The --image-* flags (pixels). */
export type ImageSynthOptions = { widthMean: number; widthStddev: number; heightMean: number; heightStddev: number; format: ImageFormat };

/** One generated image: its data URI and what went into it. */
export type SyntheticImage = { uri: string; width: number; height: number; format: "png" | "jpeg" };

/** A seeded source of noise images. */
export function createImageSource(options: ImageSynthOptions, seed: number): () => SyntheticImage {
  const sizeRng = createRng(deriveSeed(seed, "image-size"));
  const formatRng = createRng(deriveSeed(seed, "image-format"));
  const pixelRng = createRng(deriveSeed(seed, "image-pixels"));
  return () => {
    const width = Math.max(1, samplePositiveNormalInteger(sizeRng, options.widthMean, options.widthStddev));
    const height = Math.max(1, samplePositiveNormalInteger(sizeRng, options.heightMean, options.heightStddev));
    const format = options.format === "random" ? (formatRng.int(2) === 0 ? "png" : "jpeg") : options.format;
    const rgb = new Uint8Array(width * height * 3);
    // 32 random bits give four channel values.
    for (let i = 0; i < rgb.length; i += 4) {
      let word = Math.floor(pixelRng.next() * 0x1_0000_0000);
      for (let k = 0; k < 4 && i + k < rgb.length; k++) {
        rgb[i + k] = word & 0xff;
        word >>>= 8;
      }
    }
    const bytes = format === "png" ? encodePng(width, height, rgb) : encodeJpeg(width, height, rgb);
    return { uri: `data:image/${format};base64,${Buffer.from(bytes).toString("base64")}`, width, height, format };
  };
}
