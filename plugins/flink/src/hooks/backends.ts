import type { BackendsHook } from '@streamscore/core';
import { flinkBackend } from '../backend.js';

/** Answers the `streamscore:backends` hook: how the CLI finds this plugin's backend. */
const hook: BackendsHook = async () => ({ backends: [flinkBackend] });
export default hook;
