/** The export levels (upstream --export-level), shared by the config, the records service and the exporters. */
export const EXPORT_LEVELS = ["summary", "records", "raw"] as const;
export type ExportLevel = (typeof EXPORT_LEVELS)[number];
