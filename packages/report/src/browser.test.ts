import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderReport, type RenderedReport } from './report.js';
import { sampleResults } from './testing/fixtures.js';
import { PNG_MAGIC, pngSize } from './testing/svg.js';

/**
 * The HTML report in a real browser: Debian's Chromium (scripts/install-chromium.sh installs it),
 * driven by playwright-core. Skipped only outside CI when Chromium is missing; in CI (CI set) a
 * missing Chromium fails the run. Also writes docs/images/sample-report.png.
 */
/** Debian's Chromium; CHROMIUM_PATH overrides it (e.g. to check the skip and CI behaviour). */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env['CI']);
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/images/sample-report.png');

if (!haveChromium && !inCi) {
  console.warn(`browser.test.ts skipped: ${CHROMIUM} is missing. Install it with scripts/install-chromium.sh (as root).`);
}

interface ChartInPage {
  id: string;
  width: number;
  height: number;
  /** Mark elements (paths, lines, texts of data layers) with a non-empty box. */
  drawn: number;
  lines: number;
  symbols: number;
}

// Runs in the page; a string so that this file needs no DOM typings.
const INSPECT_CHARTS = `[...document.querySelectorAll('figure.chart')].map((f) => {
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  const marks = svg ? [...svg.querySelectorAll('g.role-mark > path, g.role-mark > line, g.role-mark > text')] : [];
  const drawn = marks.filter((m) => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length;
  return {
    id: f.getAttribute('data-chart'),
    width: box.width,
    height: box.height,
    drawn,
    lines: svg ? svg.querySelectorAll('g.mark-line.role-mark > path').length : 0,
    symbols: svg ? svg.querySelectorAll('g.mark-symbol.role-mark > path').length : 0,
  };
})`;

describe.skipIf(!haveChromium && !inCi)('report.html in headless Chromium', () => {
  let dir: string;
  let report: RenderedReport;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(`${CHROMIUM} is missing and CI is set: the CI script must run scripts/install-chromium.sh before the tests.`);
    }
    dir = mkdtempSync(join(tmpdir(), 'streamscore-browser-'));
    report = await renderReport(sampleResults(), { outDir: dir, title: 'Sample report', generatedAt: new Date('2026-11-20T12:00:00Z') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(report.htmlPath).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console errors, no page errors and no request but the page itself', async () => {
    expect(await page.title()).toBe('Sample report');
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(report.htmlPath).href]);
  });

  it('shows the summary table with one row per run', async () => {
    const rows = (await page.evaluate(`[...document.querySelectorAll('table.summary tbody tr')].map((tr) => tr.children[0].textContent)`)) as string[];
    expect(rows).toEqual(['local', 'flink', 'flock']);
  });

  it('draws every chart: an SVG with a real size and marks that cover area', async () => {
    const charts = (await page.evaluate(INSPECT_CHARTS)) as ChartInPage[];
    expect(charts.map((c) => c.id)).toEqual(['latency-percentiles', 'latency-over-time', 'throughput-over-time', 'cost-vs-throughput']);
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(300);
      expect(c.height, c.id).toBeGreaterThan(150);
      expect(c.drawn, c.id).toBeGreaterThan(0);
    }
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(byId['latency-percentiles']!.lines).toBe(3);
    expect(byId['latency-over-time']!.lines).toBe(6);
    expect(byId['throughput-over-time']!.lines).toBe(9);
    expect(byId['cost-vs-throughput']!.lines).toBe(1);
    expect(byId['cost-vs-throughput']!.symbols).toBe(2);
  });

  it('takes the screenshot of the summary and the charts for docs/reports.md', async () => {
    const height = Math.ceil((await page.evaluate(`document.querySelector('#runs').getBoundingClientRect().top + window.scrollY`)) as number);
    expect(height).toBeGreaterThan(600);
    const png = await page.screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(pngSize(png)).toEqual({ width: 1280, height });
    expect(png.length).toBeGreaterThan(100_000);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    // Rewrite only on change, so a run that renders the same pixels leaves the file alone.
    if (!existsSync(SCREENSHOT) || !readFileSync(SCREENSHOT).equals(png)) writeFileSync(SCREENSHOT, png);
  });
});
