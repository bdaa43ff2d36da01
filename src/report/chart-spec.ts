/** What the page draws: one spec per chart, data already prepared (the page only maps it to uPlot). */
type SeriesStyle = "points" | "line" | "bars" | "step";

export type SeriesSpec = { label: string; values: (number | null)[]; style: SeriesStyle; axis?: "y" | "y2" };

type AxisSpec = { label: string; unit: string };

export type ChartSpec = {
  id: string;
  section: string;
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  y2?: AxisSpec;
  /** Ascending x values shared by every series (uPlot's layout). */
  xs: number[];
  series: SeriesSpec[];
  /** Text under the chart: what was downsampled for display, what a value means. */
  note?: string;
  /** Labels for categorical x values (run names) instead of numbers. */
  xNames?: string[];
  /** Each point of a "points" series is labelled with its series' name (one run per series). */
  pointLabels?: boolean;
  /** Drawn into a PNG with --png. */
  main?: boolean;
};
