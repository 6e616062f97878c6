import type { Config } from '@oclif/core';
import {
  BACKENDS_HOOK,
  BackendSchema,
  UserError,
  WORKLOADS_HOOK,
  type AnyWorkload,
  type Backend,
  type BackendsHookResult,
  type WorkloadsHookResult,
} from '@streamscore/core';

export interface Registered<T> {
  item: T;
  plugin: string;
}

export interface BrokenPlugin {
  plugin: string;
  reason: string;
}

export interface Registry {
  backends: Map<string, Registered<Backend>>;
  workloads: Map<string, Registered<AnyWorkload>>;
  broken: BrokenPlugin[];
}

/**
 * Builds the registry by fanning the custom hooks out over every loaded plugin, bundled or
 * installed: the only way backends and workloads become known, so a third-party plugin needs
 * no change here. A plugin whose answer is malformed or whose hook throws is listed as broken
 * (with the reason) and never breaks the CLI; two plugins claiming one name is an error naming both.
 */
export async function buildRegistry(config: Config): Promise<Registry> {
  const broken: BrokenPlugin[] = [];
  const backends = new Map<string, Registered<Backend>>();
  const workloads = new Map<string, Registered<AnyWorkload>>();

  const b = await config.runHook(BACKENDS_HOOK, {});
  for (const f of b.failures) broken.push({ plugin: f.plugin.name, reason: `its ${BACKENDS_HOOK} hook failed: ${f.error.message}` });
  for (const s of b.successes) {
    const answer = s.result as BackendsHookResult | undefined;
    const list = Array.isArray(answer?.backends) ? answer.backends : undefined;
    if (!list) {
      broken.push({ plugin: s.plugin.name, reason: `its ${BACKENDS_HOOK} hook did not return { backends: [...] }` });
      continue;
    }
    for (const candidate of list) {
      const parsed = BackendSchema.safeParse(candidate);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        broken.push({ plugin: s.plugin.name, reason: `a backend it offers breaks the contract at ${i?.path.join('.') || '(root)'}: ${i?.message}` });
        continue;
      }
      const prior = backends.get(candidate.name);
      if (prior) {
        throw new UserError(
          `Two plugins register a backend named "${candidate.name}": ${prior.plugin} and ${s.plugin.name}.`,
          `Uninstall one of them (streamscore plugins uninstall NAME).`,
        );
      }
      backends.set(candidate.name, { item: candidate, plugin: s.plugin.name });
    }
  }

  const w = await config.runHook(WORKLOADS_HOOK, {});
  for (const f of w.failures) broken.push({ plugin: f.plugin.name, reason: `its ${WORKLOADS_HOOK} hook failed: ${f.error.message}` });
  for (const s of w.successes) {
    const answer = s.result as WorkloadsHookResult | undefined;
    if (!Array.isArray(answer?.workloads)) {
      broken.push({ plugin: s.plugin.name, reason: `its ${WORKLOADS_HOOK} hook did not return { workloads: [...] }` });
      continue;
    }
    for (const wl of answer.workloads) {
      const prior = workloads.get(wl.id);
      if (prior) {
        throw new UserError(`Two plugins register workload "${wl.id}": ${prior.plugin} and ${s.plugin.name}.`, 'Uninstall one of them.');
      }
      workloads.set(wl.id, { item: wl, plugin: s.plugin.name });
    }
  }
  return { backends, workloads, broken };
}

export function findBackend(r: Registry, name: string): Backend {
  const hit = r.backends.get(name);
  if (!hit) {
    const known = [...r.backends.keys()].sort().join(', ') || '(none)';
    const brokenNote = r.broken.length ? ` Some plugins failed to load: see \`streamscore backends\`.` : '';
    throw new UserError(`Unknown backend "${name}". Known backends: ${known}.${brokenNote}`, 'Install a plugin that provides it with `streamscore plugins install NAME`.');
  }
  return hit.item;
}

export function findWorkload(r: Registry, id: string): AnyWorkload {
  const hit = r.workloads.get(id) ?? r.workloads.get(id.includes('/') ? id : `nexmark/${id}`);
  if (!hit) {
    const known = [...r.workloads.keys()].sort(naturalOrder).join(', ') || '(none)';
    throw new UserError(`Unknown workload "${id}". Known workloads: ${known}.`, 'List them with `streamscore workloads`.');
  }
  return hit.item;
}

export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
