import type { IAMClient } from '@aws-sdk/client-iam';
import { describeError, errorName } from '@streamscore/kinesis';
import type { DoctorBackend, DoctorLine } from './doctor.js';

/**
 * The IAM principal the policy simulator evaluates: an assumed role's session ARN
 * (arn:aws:sts::A:assumed-role/R/S) names the role arn:aws:iam::A:role/R. `root` when the
 * credentials are the account's root user, which every action is allowed to.
 */
export function principalArnOf(callerArn: string): string | 'root' {
  if (/^arn:aws[a-z-]*:iam::\d+:root$/.test(callerArn)) return 'root';
  const m = /^arn:(aws[a-z-]*):sts::(\d+):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

/** The allowed actions of a policy: exact names only (the simulator evaluates no wildcards), deduplicated. */
export function policyActions(b: DoctorBackend): { exact: string[]; wildcard: string[] } {
  const all = b.policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  const uniq = [...new Set(all)].sort();
  return { exact: uniq.filter((a) => !a.includes('*')), wildcard: uniq.filter((a) => a.includes('*')) };
}

function fixFor(b: DoctorBackend): string {
  return `Attach the backend's policy: streamscore iam-policy --backend ${b.name} > ${b.name}-policy.json && aws iam put-user-policy --user-name YOU --policy-name streamscore-${b.name} --policy-document file://${b.name}-policy.json (or put-role-policy for a role).`;
}

/**
 * One line per backend: its policy's actions simulated for the caller (SimulatePrincipalPolicy).
 * Actions whose statements carry conditions are simulated without a resource, so a deny there
 * may be the condition's: they are reported apart, never as missing.
 */
export async function checkPermissions(iam: IAMClient, principal: string, b: DoctorBackend): Promise<DoctorLine> {
  const check = `${b.name} (${b.target}) IAM permissions`;
  const { exact, wildcard } = policyActions(b);
  if (principal === 'root') {
    return { area: 'permissions', check, status: 'ok', detail: 'root user: every action is allowed', fix: 'Run campaigns as an IAM user or role with only this policy, not as root.' };
  }
  const conditional = new Set(b.policy.Statement.filter((s) => s.Condition).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
  const { SimulatePrincipalPolicyCommand } = await import('@aws-sdk/client-iam');
  const denied: string[] = [];
  const deniedConditional: string[] = [];
  try {
    // The simulator takes many actions a call but pages its answers.
    for (let i = 0; i < exact.length; i += 50) {
      let marker: string | undefined;
      do {
        const r = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: exact.slice(i, i + 50), Marker: marker }));
        for (const e of r.EvaluationResults ?? []) {
          if (e.EvalDecision === 'allowed' || !e.EvalActionName) continue;
          (conditional.has(e.EvalActionName) ? deniedConditional : denied).push(e.EvalActionName);
        }
        marker = r.IsTruncated ? r.Marker : undefined;
      } while (marker);
    }
  } catch (e) {
    const name = errorName(e);
    const why = /AccessDenied/.test(name)
      ? 'the caller may not use the IAM policy simulator (iam:SimulatePrincipalPolicy)'
      : `the IAM policy simulator did not answer: ${describeError(e)}`;
    return { area: 'permissions', check, status: 'unknown', detail: `${exact.length} actions not simulated: ${why}`, fix: `Allow iam:SimulatePrincipalPolicy on your own principal to let doctor check, or make sure the policy is attached. ${fixFor(b)}` };
  }
  const notes = [
    ...(wildcard.length ? [`${wildcard.length} wildcard action(s) not simulated (${wildcard.join(', ')})`] : []),
    ...(deniedConditional.length ? [`${deniedConditional.length} tag-conditioned action(s) denied without a resource, which may be the condition: ${deniedConditional.join(', ')}`] : []),
  ];
  if (denied.length) {
    return { area: 'permissions', check, status: 'missing', detail: [`${denied.length} of ${exact.length} actions denied: ${denied.join(', ')}`, ...notes].join('; '), fix: fixFor(b) };
  }
  return { area: 'permissions', check, status: 'ok', detail: [`${exact.length - deniedConditional.length} of ${exact.length} actions allowed`, ...notes].join('; ') };
}
