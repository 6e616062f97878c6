import { parse as parseYaml } from 'yaml';
import { UserError } from '@streamscore/core';

/**
 * Parses a run, compare or campaign file (JSON when it ends in .json, else YAML). A syntax error
 * is one line: the parser's own first line ends with a colon and a code frame on the lines after
 * it, so the frame's offending line is quoted instead of being cut off.
 */
export function parseDataFile(path: string, text: string): unknown {
  const json = path.endsWith('.json');
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const first = (e as Error).message.split('\n')[0]!.replace(/:\s*$/, '');
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    const source = line !== undefined ? text.split('\n')[line - 1]?.trim() : undefined;
    throw new UserError(
      `${path} is not valid ${json ? 'JSON' : 'YAML'}: ${first}${source ? ` ("${source.length > 60 ? source.slice(0, 57) + '…' : source}")` : ''}.`,
      json ? 'Fix the JSON syntax at that place.' : 'Fix the YAML at that line: items of one mapping start at the same column, and a value with ": " or "#" needs quotes.',
    );
  }
}
