import type { Backend } from './backend.js';
import type { AnyWorkload } from './workload.js';

/**
 * The custom oclif hook events through which plugins contribute backends and workloads. The CLI
 * fans each event out over every loaded plugin (bundled or installed by the user) and builds
 * its registry from the answers. A plugin answers by listing a hook file in its package.json:
 *
 *   "oclif": { "hooks": { "streamscore:backends": "./dist/hooks/backends.js" } }
 *
 * whose default export is an async function returning a BackendsHookResult. No oclif import is
 * needed to write one.
 */
export const BACKENDS_HOOK = 'streamscore:backends';
export const WORKLOADS_HOOK = 'streamscore:workloads';

export interface BackendsHookResult {
  backends: Backend[];
}

export interface WorkloadsHookResult {
  workloads: AnyWorkload[];
}

/** The function a plugin's hook file exports. */
export type BackendsHook = () => Promise<BackendsHookResult>;
export type WorkloadsHook = () => Promise<WorkloadsHookResult>;
