import { gunzipSync } from 'node:zlib';

/** A regular file of a tar archive. */
export interface TarFile {
  path: string;
  data: Buffer;
  mode: number;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const s = field(block, offset, length).trim();
  return s ? parseInt(s, 8) : 0;
}

/**
 * Reads the regular files of a gzipped ustar archive, as npm packs them (POSIX ustar with pax
 * extended headers for long paths). Links, directories and devices are skipped: npm tarballs
 * hold regular files only.
 */
export function readTgz(tgz: Buffer): TarFile[] {
  const tar = gunzipSync(tgz);
  const files: TarFile[] = [];
  let paxPath: string | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] ?? 0x30);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      // pax records: "<len> key=value\n"
      for (const rec of body.toString('utf8').split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) paxPath = m[1];
      }
      continue;
    }
    if (type !== '0' && type !== '\0') {
      paxPath = undefined;
      continue;
    }
    const prefix = field(h, 345, 155);
    const name = field(h, 0, 100);
    files.push({ path: paxPath ?? (prefix ? `${prefix}/${name}` : name), data: Buffer.from(body), mode: octal(h, 100, 8) & 0o777 });
    paxPath = undefined;
  }
  return files;
}
