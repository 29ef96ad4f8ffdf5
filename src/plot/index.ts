// Dependency-free SVG charts for examples, reports and the dashboard; PNG output through sharp.
export { linePlot, type LinePlotOptions, type LineSeries } from "./line.js";
export { scatterPlot, type PointSeries, type ReferenceLine, type ScatterPlotOptions } from "./scatter.js";
export { heatmap, type HeatmapOptions } from "./heatmap.js";
export type { ColorMapName } from "./colormap.js";
export { imageGrid, type GridImage, type ImageGridOptions } from "./image-grid.js";
export type { ChartOptions } from "./frame.js";
export { saveCharts, savePlot, savePng } from "./save.js";
