import { htmlEscape, toHtmlBody, type Block } from './doc.js';

/**
 * One self-contained page: inline CSS, charts as inline SVG, no scripts, fonts or URLs. The
 * Content-Security-Policy makes the browser refuse anything external, so a stray reference
 * shows up as a console error (the browser test fails on those) instead of a silent fetch.
 */
const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #fafafa; line-height: 1.45; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 32px 0 10px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 26px 0 6px; }
p { margin: 6px 0; }
p.note { color: #555; background: #f5f5f0; border-left: 3px solid #c9c29a; padding: 6px 10px; }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12px; background: #f2f2f2; padding: 1px 4px; border-radius: 3px; }
ul { margin: 4px 0 8px; padding-left: 22px; }
li { margin: 2px 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.summary { font-size: 12.5px; }
table.summary td:nth-child(2) { min-width: 150px; }
table.summary td:nth-child(5) { white-space: normal; }
tbody tr:nth-child(even) { background: #fbfbfb; }
div.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
figure.chart { flex: 1 1 calc(50% - 12px); min-width: 0; margin: 8px 0 18px; }
figure.chart svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 12px; color: #555; margin-top: 4px; }
@media (max-width: 1000px) { figure.chart { flex-basis: 100%; } }
footer { margin-top: 40px; font-size: 12px; color: #777; }
`;

export function toHtmlPage(title: string, blocks: readonly Block[], footer: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${toHtmlBody(blocks)}
<footer>${htmlEscape(footer)}</footer>
</main>
</body>
</html>
`;
}
