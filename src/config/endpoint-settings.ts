/**
 * Endpoint settings carried in --extra-inputs (aiperf-features §2.2): `payload_template` (template)
 * becomes the template text itself, read from a file or a name when it is one; `response_field`
 * (raw, template) is checked and handed to the record processors. Problems name the flag.
 */
import { compileFieldPath } from "../endpoints/response-field.ts";
import { resolveTemplateSource } from "../endpoints/template.ts";
import type { ProfileConfig } from "./profile-schema.ts";
import { optionConflict } from "./conflict.ts";

type EndpointSettings = { extraInputs: [string, unknown][]; responseField: string | undefined };

export function resolveEndpointSettings(
  cfg: Pick<ProfileConfig, "endpointType" | "extraInputs" | "inputFile"> & { osl?: number | undefined },
): EndpointSettings {
  const type = cfg.endpointType;
  const extras = cfg.extraInputs.map(([k, v]) => [k, v] as [string, unknown]);
  const field = extras.find(([k]) => k === "response_field")?.[1];
  const usesField = type === "raw" || type === "template";
  if (usesField && field !== undefined && typeof field !== "string")
    throw optionConflict(`--extra-inputs response_field must be a path such as choices[0].text, got ${JSON.stringify(field)}`);
  const responseField = usesField && typeof field === "string" && field !== "" ? field : undefined;
  try {
    if (responseField !== undefined) compileFieldPath(responseField);
    if (type === "template") {
      const at = extras.findIndex(([k]) => k === "payload_template");
      const value = extras[at]?.[1];
      if (at < 0 || typeof value !== "string" || value.trim() === "")
        throw new Error("--endpoint-type template needs --extra-inputs payload_template:<name|file|template>");
      // Synthetic turns without --osl carry no max_tokens: the trial render must see that too.
      extras[at] = ["payload_template", resolveTemplateSource(value, cfg.osl ?? (cfg.inputFile === undefined ? null : 1))];
    }
  } catch (error) {
    throw optionConflict(error instanceof Error ? error.message : String(error));
  }
  if (type === "raw" && cfg.inputFile === undefined)
    throw optionConflict(
      "--endpoint-type raw sends stored request bodies as they are: give --input-file with --custom-dataset-type inputs_json or raw_payload (and the full path in --url)",
    );
  const audioMean = (cfg as { audioLengthMean?: number }).audioLengthMean ?? 0;
  if (type === "audio_transcription" && cfg.inputFile === undefined && !(audioMean > 0)) {
    throw optionConflict(
      "--endpoint-type audio_transcription uploads each turn's audio: give --input-file with audio fields, or --audio-length-mean > 0 for synthetic audio",
    );
  }
  const imageMean = (cfg as { imageWidthMean?: number }).imageWidthMean ?? 0;
  if (type === "image_edit" && cfg.inputFile === undefined && !(imageMean > 0)) {
    throw optionConflict(
      "--endpoint-type image_edit uploads each turn's first image with its prompt: give --input-file with image fields, or --image-width-mean and --image-height-mean > 0 for synthetic images",
    );
  }
  return { extraInputs: extras, responseField };
}
