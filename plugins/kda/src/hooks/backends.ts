import type { BackendsHook } from '@streamscore/core';
import { kdaBackend } from '../backend.js';

/** Answers the `streamscore:backends` hook: how the CLI finds this plugin's backend. */
const hook: BackendsHook = async () => ({ backends: [kdaBackend] });
export default hook;
