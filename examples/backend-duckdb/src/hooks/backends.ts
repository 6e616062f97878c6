// #region hook
import type { BackendsHook } from '@streamscore/core';
import { duckdbBackend } from '../backend.js';

/** Answers the `streamscore:backends` hook: how streamscore finds this plugin's backend. */
const hook: BackendsHook = async () => ({ backends: [duckdbBackend] });
export default hook;
// #endregion hook
