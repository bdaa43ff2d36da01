/**
 * Text from outside (a server's error body, a bus peer's identity, a child's stray stderr) must not
 * drive the terminal: an ESC sequence can clear the screen, retitle the window or hide lines. So
 * everything printed or logged passes through `escapeControls`, which shows C0/C1 control
 * characters, DEL and the bidi overrides as visible escapes (ESC → "\x1b"). Newline and tab are
 * kept where the text is multi-line. JSON exports keep raw strings: JSON escapes them itself.
 */
import { redactUrlsInText } from "./redact.ts";

// C0 except \t and \n, DEL, C1, and the bidirectional embeddings/overrides/isolates.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_ALL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with control characters made visible; `keepLines` keeps \n and \t as they are. */
export function escapeControls(text: string, keepLines = true): string {
  return text.replace(keepLines ? CONTROLS : CONTROLS_ALL, visible);
}

/** What may reach a terminal or a log file: URL credentials redacted, controls made visible. */
export function displayText(text: string, keepLines = true): string {
  return escapeControls(redactUrlsInText(text), keepLines);
}
