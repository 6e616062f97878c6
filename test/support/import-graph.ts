import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

/**
 * The workspace's import graph, and the rules it must keep: which package may import which, no
 * deep imports past a package's `exports`, no relative path into another package, and every
 * import declared in the importer's package.json. Test files may reach further than production
 * code (a plugin's test drives its backend through the harness with a real workload).
 */
export interface SourceFile {
  /** Package name, e.g. `@streamscore/core`. */
  pkg: string;
  /** Path relative to the repository root. */
  path: string;
  text: string;
  test: boolean;
}

export interface PackageInfo {
  name: string;
  dir: string;
  dependencies: Set<string>;
  devDependencies: Set<string>;
  /** Subpaths listed in `exports` (`.` and e.g. `./moto`). */
  exports: Set<string>;
}

const PLUGIN_SDK = ['@streamscore/core'];
const STREAMING = ['@streamscore/streaming'];
const TRANSPORTS_AND_COST = ['@streamscore/kinesis', '@streamscore/cost'];
const FOR_TESTS = ['@streamscore/harness', '@streamscore/testkit', '@streamscore/workload-nexmark', '@streamscore/workload-ysb'];

/** What each package's production code may import, by name pattern. */
export function allowedImports(pkg: string, test: boolean): string[] {
  const extra = test ? FOR_TESTS : [];
  switch (pkg) {
    case '@streamscore/core':
      return test ? [] : [];
    case '@streamscore/kinesis':
    case '@streamscore/cost':
    case '@streamscore/streaming':
      return [...PLUGIN_SDK, ...(test ? ['@streamscore/testkit'] : [])];
    case '@streamscore/harness':
      return [...PLUGIN_SDK, ...TRANSPORTS_AND_COST, ...(test ? ['@streamscore/testkit'] : [])];
    case '@streamscore/planner':
      return [...PLUGIN_SDK, '@streamscore/cost'];
    case '@streamscore/report':
      return [...PLUGIN_SDK];
    case '@streamscore/testkit':
      return [...PLUGIN_SDK, '@streamscore/harness', ...(test ? FOR_TESTS : [])];
    case '@streamscore/cli':
      return [
        ...PLUGIN_SDK,
        ...TRANSPORTS_AND_COST,
        '@streamscore/harness',
        '@streamscore/planner',
        '@streamscore/report',
        ...(test ? FOR_TESTS : []),
        // The CLI lists the bundled plugins in oclif.plugins; code reaches them only through hooks.
        ...(test ? ['@streamscore/plugin-local'] : []),
      ];
    default:
      if (pkg.startsWith('@streamscore/workload-')) return [...PLUGIN_SDK, ...STREAMING, ...(test ? ['@streamscore/testkit'] : [])];
      if (pkg.startsWith('@streamscore/plugin-')) return [...PLUGIN_SDK, ...STREAMING, ...TRANSPORTS_AND_COST, ...extra];
      // third-party examples: the published SDK and the kit only
      return [...PLUGIN_SDK, '@streamscore/testkit', ...(test ? ['@streamscore/workload-nexmark'] : [])];
  }
}

/** Third-party packages core may use: the SDK stays small. */
export const CORE_THIRD_PARTY = new Set(['zod', 'hdr-histogram-js']);

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function walk(dir: string, into: string[]): void {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, into);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) into.push(p);
  }
}

export function readWorkspace(root: string): { packages: PackageInfo[]; files: SourceFile[] } {
  const dirs: string[] = [];
  for (const group of ['packages', 'plugins', 'workloads', 'examples']) {
    for (const e of readdirSync(join(root, group))) {
      const d = join(root, group, e);
      if (existsSync(join(d, 'package.json'))) dirs.push(d);
    }
  }
  const packages: PackageInfo[] = [];
  const files: SourceFile[] = [];
  for (const dir of dirs) {
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      exports?: Record<string, unknown>;
    };
    packages.push({
      name: pj.name,
      dir: relative(root, dir),
      dependencies: new Set([...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.peerDependencies ?? {})]),
      devDependencies: new Set(Object.keys(pj.devDependencies ?? {})),
      exports: new Set(Object.keys(pj.exports ?? { '.': '' })),
    });
    const src: string[] = [];
    for (const sub of ['src', 'test', 'test-support']) if (existsSync(join(dir, sub))) walk(join(dir, sub), src);
    for (const p of src) {
      const path = relative(root, p);
      files.push({ pkg: pj.name, path, text: readFileSync(p, 'utf8'), test: /\.test\.ts$|test-support\/|\/test\//.test(path) || path.includes('.test-util.') });
    }
  }
  return { packages, files };
}

function packageOfSpecifier(spec: string): { name: string; subpath: string } | undefined {
  if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const rest = spec.slice(name.length);
  return { name, subpath: rest ? `.${rest}` : '.' };
}

/** Every rule the graph breaks, one line each (empty when it keeps them all). */
export function importViolations(root: string, packages: PackageInfo[], files: SourceFile[]): string[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const problems: string[] = [];
  for (const f of files) {
    const me = byName.get(f.pkg)!;
    const allowed = new Set(allowedImports(f.pkg, f.test));
    for (const spec of importsOf(f.text)) {
      if (spec.startsWith('.')) {
        const target = resolve(root, dirname(f.path), spec);
        const inside = relative(resolve(root, me.dir), target);
        if (inside.startsWith('..')) problems.push(`${f.path}: relative import ${spec} leaves ${f.pkg}; import the package by name`);
        continue;
      }
      const p = packageOfSpecifier(spec);
      if (!p) continue;
      if (p.name.startsWith('@streamscore/')) {
        if (p.name === f.pkg) {
          problems.push(`${f.path}: imports its own package ${spec} by name; use a relative path`);
          continue;
        }
        if (!allowed.has(p.name)) problems.push(`${f.path}: ${f.pkg}${f.test ? ' (test)' : ''} must not import ${p.name}`);
        const target = byName.get(p.name);
        if (target && !target.exports.has(p.subpath)) problems.push(`${f.path}: deep import ${spec} (not in ${p.name}'s exports)`);
      } else if (f.pkg === '@streamscore/core' && !f.test && !CORE_THIRD_PARTY.has(p.name)) {
        problems.push(`${f.path}: core must depend on ${[...CORE_THIRD_PARTY].join(' and ')} only, not ${p.name}`);
      }
      const declared = me.dependencies.has(p.name) || (f.test && me.devDependencies.has(p.name));
      // Root devDependencies (vitest, typescript, …) serve every package's tests.
      if (!declared && p.name.startsWith('@streamscore/')) problems.push(`${f.path}: imports ${p.name}, which ${f.pkg}'s package.json does not declare`);
    }
  }
  return problems;
}
