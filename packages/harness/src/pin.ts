import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { UserError } from '@streamscore/core';

/** The parts of a run that `--pin` places on CPUs. */
export const PIN_ROLES = ['harness', 'transport', 'sut'] as const;
export type PinRole = (typeof PIN_ROLES)[number];
/** CPUs per role, in taskset's list form (`0`, `0,2`, `1-3`). */
export type PinSpec = Partial<Record<PinRole, string>>;

const CpuList = z.string().regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'a CPU list: 0, 0,2 or 1-3');

/**
 * Parses `--pin ROLE=CPUS` values (`harness=0 sut=1`, or `harness=0,sut=1`), refusing unknown
 * roles, malformed CPU lists and CPUs this machine does not have.
 */
export function parsePin(values: readonly string[], cpus: number): PinSpec {
  const out: PinSpec = {};
  for (const item of values.flatMap((v) => v.split(/[\s,](?=[a-z]+=)/))) {
    const [role, list] = item.split('=', 2) as [string, string | undefined];
    if (!(PIN_ROLES as readonly string[]).includes(role) || list === undefined) {
      throw new UserError(`--pin ${item}: expected ROLE=CPUS with ROLE one of ${PIN_ROLES.join(', ')}.`, 'For example: --pin harness=0 sut=1');
    }
    const parsed = CpuList.safeParse(list);
    if (!parsed.success) throw new UserError(`--pin ${item}: ${parsed.error.issues[0]!.message}.`, 'For example: --pin harness=0 sut=1');
    const highest = Math.max(...list.split(/[,-]/).map(Number));
    if (highest >= cpus) throw new UserError(`--pin ${item}: this machine has CPUs 0–${cpus - 1}.`, 'See `nproc`.');
    out[role as PinRole] = list;
  }
  return out;
}

/** Refuses, in one line, when `taskset` (util-linux) is not there to pin with. */
export function requireTaskset(): void {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new UserError('--pin needs taskset, which is not installed here.', 'Install util-linux (apt-get install util-linux), or run without --pin.');
  }
}

/** Pins every thread of a process to the CPUs; false when it is gone (or refused). */
export function pinProcess(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
