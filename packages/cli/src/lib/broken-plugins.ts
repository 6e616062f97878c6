import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Plugins the user linked (`streamscore plugins link DIR`) from a folder that has since been
 * deleted. oclif warns about each with a multi-line ENOENT block on every command; the CLI says
 * instead, in one line, which plugin is broken and how to remove it.
 */
export interface BrokenPlugin {
  name: string;
  root: string;
}

const UserPluginsSchema = z.object({
  oclif: z.object({ plugins: z.array(z.union([z.string(), z.object({ name: z.string(), root: z.string().optional(), type: z.string().optional() })])).optional() }).optional(),
});

/** oclif's data dir for this CLI, where `plugins install|link` keep their list. */
function userPluginsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_DATA_HOME'] ?? (process.platform === 'win32' ? (env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local')) : join(homedir(), '.local', 'share'));
  return join(base, 'streamscore', 'package.json');
}

export function brokenLinkedPlugins(file = userPluginsFile()): BrokenPlugin[] {
  if (!existsSync(file)) return [];
  let parsed: z.infer<typeof UserPluginsSchema>;
  try {
    parsed = UserPluginsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return []; // oclif says what is wrong with its own file
  }
  const out: BrokenPlugin[] = [];
  for (const p of parsed.oclif?.plugins ?? []) {
    if (typeof p === 'string' || p.type !== 'link' || !p.root) continue;
    if (!existsSync(join(p.root, 'package.json'))) out.push({ name: p.name, root: p.root });
  }
  return out;
}

export function brokenPluginLine(p: BrokenPlugin): string {
  return `streamscore: warning: plugin ${p.name} is linked from ${p.root}, which no longer exists; remove it with: streamscore plugins unlink ${p.name}`;
}

/**
 * Prints one line per broken linked plugin and drops oclif's warning about the same folder
 * (the rest of oclif's warnings go through unchanged).
 */
export function reportBrokenPlugins(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): BrokenPlugin[] {
  const broken = brokenLinkedPlugins();
  if (broken.length === 0) return broken;
  for (const p of broken) write(brokenPluginLine(p));
  const original = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : `${warning.message}\n${(warning as { detail?: string }).detail ?? ''}`;
    if (broken.some((p) => text.includes(p.root))) return;
    original(warning, ...rest);
  }) as typeof process.emitWarning;
  return broken;
}
