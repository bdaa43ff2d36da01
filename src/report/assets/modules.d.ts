// Files the report inlines, imported as text so `bun build --compile` embeds them in the binary.
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.min.css" {
  const text: string;
  export default text;
}
declare module "*/assets/report.js" {
  const text: string;
  export default text;
}
