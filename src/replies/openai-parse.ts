/** The OpenAI response parser moved to src/endpoints/; this path stays for existing imports. */
export * from "../endpoints/openai-parse.ts";
