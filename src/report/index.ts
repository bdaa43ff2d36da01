/** The HTML report and plots: artifact directories in, report.html (and PNGs) out. */
export { buildReport, expandRunDirs, REPORT_FILE, type ReportOptions, writeReport } from "./report.ts";
export { ArtifactError } from "./load-run.ts";
export { findChromium, writePngs } from "./png.ts";
