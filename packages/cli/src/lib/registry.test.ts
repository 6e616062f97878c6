import { describe, expect, it } from 'vitest';
import type { Config } from '@oclif/core';
import { localBackend } from '@streamscore/plugin-local';
import { buildRegistry, findBackend } from './registry.js';

type Answer = { plugin: string; result?: unknown; error?: Error };

/** A Config whose runHook answers like oclif's: successes and failures per plugin. */
function configAnswering(backends: Answer[], workloads: Answer[] = []): Config {
  const fan = (answers: Answer[]) => ({
    successes: answers.filter((a) => !a.error).map((a) => ({ plugin: { name: a.plugin }, result: a.result })),
    failures: answers.filter((a) => a.error).map((a) => ({ plugin: { name: a.plugin }, error: a.error })),
  });
  return {
    runHook: async (event: string) => fan(event === 'streamscore:backends' ? backends : workloads),
  } as unknown as Config;
}

describe('the backend registry', () => {
  it('registers what plugins answer, remembering which plugin', async () => {
    const r = await buildRegistry(configAnswering([{ plugin: '@streamscore/plugin-local', result: { backends: [localBackend] } }]));
    expect([...r.backends.keys()]).toEqual(['local']);
    expect(r.backends.get('local')!.plugin).toBe('@streamscore/plugin-local');
    expect(findBackend(r, 'local')).toBe(localBackend);
  });

  it('refuses two plugins claiming one backend name, naming both', async () => {
    const cfg = configAnswering([
      { plugin: 'plugin-a', result: { backends: [localBackend] } },
      { plugin: 'plugin-b', result: { backends: [localBackend] } },
    ]);
    await expect(buildRegistry(cfg)).rejects.toThrow(/"local": plugin-a and plugin-b/);
  });

  it('lists a broken plugin with its reason instead of failing', async () => {
    const r = await buildRegistry(
      configAnswering([
        { plugin: 'good', result: { backends: [localBackend] } },
        { plugin: 'throws', error: new Error('cannot load native module') },
        { plugin: 'malformed', result: { backends: [{ name: 'x', description: 'no methods' }] } },
        { plugin: 'nothing', result: undefined },
      ]),
    );
    expect([...r.backends.keys()]).toEqual(['local']);
    expect(r.broken.map((b) => b.plugin)).toEqual(['throws', 'malformed', 'nothing']);
    expect(r.broken[0]!.reason).toMatch(/cannot load native module/);
    expect(r.broken[1]!.reason).toMatch(/capabilities/);
  });

  it('says which backends exist when asked for an unknown one', async () => {
    const r = await buildRegistry(configAnswering([{ plugin: 'p', result: { backends: [localBackend] } }]));
    expect(() => findBackend(r, 'flonk')).toThrow(/Unknown backend "flonk". Known backends: local\./);
  });
});
