/**
 * A tiny document model, so the Markdown and the HTML report are one content rendered twice
 * and cannot drift apart.
 */
export type Inline = string | { strong: string } | { code: string };
export type Text = Inline | Inline[];

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string; id?: string }
  | { kind: 'paragraph'; text: Text }
  | { kind: 'note'; text: Text }
  | { kind: 'list'; items: Text[] }
  | { kind: 'table'; head: string[]; rows: string[][]; numeric?: boolean[]; className?: string }
  | { kind: 'chart'; id: string; title: string; caption: string; pngPath: string; svg: string };

function inlines(t: Text): Inline[] {
  return Array.isArray(t) ? t : [t];
}

// ---- Markdown ----

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/([*_`|<>[\]])/g, '\\$1');
}

function mdInline(t: Text): string {
  return inlines(t)
    .map((i) => {
      if (typeof i === 'string') return mdEscape(i);
      if ('strong' in i) return `**${mdEscape(i.strong)}**`;
      const fence = i.code.includes('`') ? '``' : '`';
      return `${fence}${i.code}${fence}`;
    })
    .join('');
}

function mdCell(s: string): string {
  return mdEscape(s).replace(/\r?\n/g, ' ');
}

export function toMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${mdEscape(b.text)}`);
        break;
      case 'paragraph':
        out.push(mdInline(b.text));
        break;
      case 'note':
        out.push(`> ${mdInline(b.text)}`);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${mdInline(i)}`).join('\n'));
        break;
      case 'table': {
        const align = b.head.map((_, i) => (b.numeric?.[i] ? '--:' : '---'));
        const lines = [
          `| ${b.head.map(mdCell).join(' | ')} |`,
          `| ${align.join(' | ')} |`,
          ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
        ];
        out.push(lines.join('\n'));
        break;
      }
      case 'chart':
        out.push(`![${mdEscape(b.title)}](${b.pngPath})\n\n${mdEscape(b.caption)}`);
        break;
    }
  }
  return out.join('\n\n') + '\n';
}

// ---- HTML ----

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function htmlInline(t: Text): string {
  return inlines(t)
    .map((i) => {
      if (typeof i === 'string') return htmlEscape(i);
      if ('strong' in i) return `<strong>${htmlEscape(i.strong)}</strong>`;
      return `<code>${htmlEscape(i.code)}</code>`;
    })
    .join('');
}

/**
 * Makes the ids inside an SVG unique within the page (several inline SVGs share one id space),
 * and drops an XML prolog if there is one.
 */
export function inlineSvg(svg: string, prefix: string): string {
  let s = svg.replace(/^<\?xml[^>]*>\s*/, '');
  const ids = [...s.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  for (const id of new Set(ids)) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    s = s
      .replace(new RegExp(`\\sid="${esc}"`, 'g'), ` id="${prefix}-${id}"`)
      .replace(new RegExp(`url\\(#${esc}\\)`, 'g'), `url(#${prefix}-${id})`)
      .replace(new RegExp(`href="#${esc}"`, 'g'), `href="#${prefix}-${id}"`);
  }
  return s;
}

export function toHtmlBody(blocks: readonly Block[]): string {
  const out: string[] = [];
  blocks.forEach((b, i) => {
    // Consecutive charts share one flex container (two to a row on a wide screen).
    if (b.kind === 'chart' && blocks[i - 1]?.kind !== 'chart') out.push('<div class="charts">');
    switch (b.kind) {
      case 'heading': {
        const id = b.id ? ` id="${htmlEscape(b.id)}"` : '';
        out.push(`<h${b.level}${id}>${htmlEscape(b.text)}</h${b.level}>`);
        break;
      }
      case 'paragraph':
        out.push(`<p>${htmlInline(b.text)}</p>`);
        break;
      case 'note':
        out.push(`<p class="note">${htmlInline(b.text)}</p>`);
        break;
      case 'list':
        out.push(`<ul>\n${b.items.map((i) => `  <li>${htmlInline(i)}</li>`).join('\n')}\n</ul>`);
        break;
      case 'table': {
        const cls = (i: number) => (b.numeric?.[i] ? ' class="num"' : '');
        const head = b.head.map((h, i) => `<th${cls(i)}>${htmlEscape(h)}</th>`).join('');
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${htmlEscape(c)}</td>`).join('')}</tr>`).join('\n');
        const tc = b.className ? ` class="${htmlEscape(b.className)}"` : '';
        out.push(`<div class="table-wrap"><table${tc}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table></div>`);
        break;
      }
      case 'chart':
        out.push(
          `<figure class="chart" data-chart="${htmlEscape(b.id)}">\n${inlineSvg(b.svg, b.id)}\n` +
            `<figcaption>${htmlEscape(b.caption)}</figcaption>\n</figure>`,
        );
        break;
    }
    if (b.kind === 'chart' && blocks[i + 1]?.kind !== 'chart') out.push('</div>');
  });
  return out.join('\n');
}
