/** Plain-text word wrap for console messages: continuation lines indented by two spaces. */

/** `text` wrapped to `width` columns (a longer word keeps a line of its own). */
export function wrapHanging(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && [...line].length + 1 + [...word].length > width) {
      out.push(line);
      line = `  ${word}`;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}
