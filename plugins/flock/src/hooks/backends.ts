import type { BackendsHook } from '@streamscore/core';
import { flockBackend } from '../backend.js';

/** Answers the `streamscore:backends` hook: how the CLI finds this plugin's backend. */
const hook: BackendsHook = async () => ({ backends: [flockBackend] });
export default hook;
