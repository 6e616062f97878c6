#!/usr/bin/env node
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { execute } from '@oclif/core';
import { followParentUnderNpm } from '../dist/lib/signals.js';

// Under `npx`/`npm run` a SIGTERM sent to npm is not passed on: notice the parent's death instead.
followParentUnderNpm();
await execute({ dir: import.meta.url });
