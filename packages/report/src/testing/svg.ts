import { Resvg } from '@resvg/resvg-js';

/**
 * Test helpers for the charts' SVG. Vega writes each data layer's marks as
 * `<g class="mark-<type> role-mark <layer>_marks">` holding only leaf elements; a line layer gets
 * one such group per series, a point layer one group with a path per point.
 */
export function countMarks(svg: string, layer: string): { groups: number; items: number } {
  // An empty mark group is written self-closing: `<g class="…"/>`.
  const re = new RegExp(`<g class="mark-[a-z]+ role-mark ${layer}_marks"[^>]*?(?:/>|>([\\s\\S]*?)</g>)`, 'g');
  let groups = 0;
  let items = 0;
  for (const m of svg.matchAll(re)) {
    groups++;
    const body = m[1] ?? '';
    items += [...body.matchAll(/<path\b[^>]*\sd="([^"]+)"/g)].length + [...body.matchAll(/<text\b/g)].length + [...body.matchAll(/<line\b/g)].length;
  }
  return { groups, items };
}

/** Parses the SVG with resvg (a strict XML and SVG parser); throws on malformed input. */
export function parseSvg(svg: string): { width: number; height: number } {
  const r = new Resvg(svg);
  return { width: r.width, height: r.height };
}

export const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_MAGIC) || png.toString('ascii', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/**
 * How far below the SVG's top edge the chart's title group starts, in SVG pixels (vega writes the
 * root group's offset, then the title group's offset from it); negative means the title is cut off.
 */
export function titleTop(svg: string, title: string): number {
  const root = /<g fill="none" stroke-miterlimit="4" transform="translate\(([-\d.]+),([-\d.]+)\)">/.exec(svg);
  const at = svg.indexOf(`aria-label="Title text '${title}'"`);
  if (!root || at < 0) throw new Error(`no title '${title}' in the SVG`);
  const groups = [...svg.slice(0, at).matchAll(/<g class="mark-group role-title"><g transform="translate\(([-\d.]+),([-\d.]+)\)">/g)];
  const group = groups.at(-1);
  if (!group) throw new Error(`no title group for '${title}'`);
  return Number(root[2]) + Number(group[2]);
}
