import type { WorkloadsHook } from '@streamscore/core';
import { workloads } from '../index.js';

/** Answers the `streamscore:workloads` hook: how the CLI finds the YSB query. */
const hook: WorkloadsHook = async () => ({ workloads });
export default hook;
