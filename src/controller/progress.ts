/**
 * `--ui simple`: one progress bar per stage (warmup, profiling, record processing) redrawn in place
 * on a TTY. `--ui none` draws nothing; the final tables are printed either way.
 */
export type ProgressUi = {
  update(stage: string, done: number, total: number | undefined): void;
  finish(): void;
};

const WIDTH = 30;

export function createProgressUi(kind: "none" | "simple", out: NodeJS.WriteStream = process.stderr): ProgressUi {
  if (kind === "none") return { update() {}, finish() {} };
  const stages = new Map<string, { done: number; total: number | undefined }>();
  let drawn = 0;
  let last = 0;
  const draw = (force: boolean): void => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    for (const [stage, { done, total }] of stages) {
      const ratio = total ? Math.min(1, done / total) : 0;
      const bar = total ? `${"█".repeat(Math.round(ratio * WIDTH)).padEnd(WIDTH, "░")} ${(ratio * 100).toFixed(0).padStart(3)}%` : "".padEnd(WIDTH + 5);
      out.write(`\x1b[2K${stage.padEnd(22)} ${bar} ${done}${total ? `/${total}` : ""}\n`);
    }
    drawn = stages.size;
  };
  return {
    update(stage, done, total) {
      stages.set(stage, { done, total });
      draw(false);
    },
    finish() {
      if (stages.size > 0) draw(true);
    },
  };
}
