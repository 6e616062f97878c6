#!/usr/bin/env node
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { execute } from '@oclif/core';
import { followParentUnderNpm } from '../dist/lib/signals.js';
import { reportBrokenPlugins } from '../dist/lib/broken-plugins.js';

// Under `npx`/`npm run` a SIGTERM sent to npm is not passed on: notice the parent's death instead.
followParentUnderNpm();
// A plugin linked from a deleted folder: one line naming it and its removal, not oclif's warning block.
reportBrokenPlugins();
await execute({ dir: import.meta.url });
