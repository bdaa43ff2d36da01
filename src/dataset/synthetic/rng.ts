/** The seeded generator lives in core (timing, the mock server and datasets share it). */
export { createRng, deriveSeed, randomSeed, type Rng } from "../../core/rng.ts";
