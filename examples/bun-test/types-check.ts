// Compiled by the package test with `tsc --noEmit`: the types are real, not `any`.
import { type ProfileOptions, profile } from "aiperf-bun";

const options: ProfileOptions = { model: "m", url: "http://127.0.0.1:1", concurrency: 4, streaming: true };
// @ts-expect-error a misspelt option is a type error
const misspelt: ProfileOptions = { model: "m", concurency: 4 };
// @ts-expect-error a value of the wrong type is a type error
const wrong: ProfileOptions = { model: "m", requestCount: "ten" };
export async function p99(): Promise<number | undefined> {
  const report = await profile(options);
  return report.time_to_first_token?.p99;
}
export { misspelt, wrong };
