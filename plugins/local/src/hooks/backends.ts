import type { BackendsHook } from '@streamscore/core';
import { localBackend } from '../backend.js';

/** Answers the `streamscore:backends` hook: how the CLI finds this plugin's backend. */
const hook: BackendsHook = async () => ({ backends: [localBackend] });
export default hook;
