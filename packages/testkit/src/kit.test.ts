import { backendConformance } from './suite.js';
import { pulseWorkloads } from './fixtures.js';
import { modelBackend } from '../test-support/backends.js';

// A backend that keeps every promise passes every rule.
backendConformance(modelBackend(), { workloads: pulseWorkloads, target: 'local', rate: 2000, durationS: 1 });
