export { renderReport, type RenderReportOptions, type RenderedReport } from './report.js';
export { exportHdr, hlogText, hgrmText, safeRunId, SEND_DELAY_TAG, type HdrFiles } from './hdr.js';
export {
  chartSpecs,
  specToSvg,
  svgToPng,
  renderChart,
  type ChartId,
  type ChartSpec,
  type RenderedChart,
  type SkippedChart,
  type LabelledResult,
} from './charts.js';
export { percentileCurve, latencyOverTime, throughputOverTime, costPoints, type CostPoint } from './data.js';
export { runLabel, runLabels } from './labels.js';
export { readTrials, findMaxRate, sustainedRate, TrialSchema, type ReportTrial, type Sustained } from './trials.js';
export { formatMs, formatRate, formatRateShort, formatUsd, formatPercentile, tailLatency, tailLatencyText } from './format.js';
export { SUMMARY_HEAD, summaryRow } from './content.js';
export { crossoverChart, costLatencyChart, renderPlannerChart, type PlannerChartId, type PlannerChartSpec, type RenderedPlannerChart, type CrossoverChartInput, type CrossoverSeriesPoint, type CrossoverMark, type CostLatencyChartInput, type CostLatencyPoint } from './planner-charts.js';
export { writePublication, checkCited, GZIP_ABOVE_BYTES, type Publication, type PublishedRun, type PublishedPlan, type PublishedBand, type PublishedDay, type PublishedDayRow, type PublishedCheckRow, type PublishedFolder } from './publish.js';
