import { UserError } from '@streamscore/core';
import type { IpPermission } from '@aws-sdk/client-ec2';

/**
 * The ec2 target's network rules. Safety rule (docs/DESIGN): Flink's REST port is opened only to
 * the caller's own address, never to 0.0.0.0/0. The cluster's own ports are open only within its
 * security group (the group is the source). Every port a Flink process listens on is pinned here
 * so that the group can name them.
 */
export const FLINK_PORTS = {
  rest: 8081,
  /** taskmanager.data.port (shuffle). */
  data: 6121,
  /** taskmanager.rpc.port. */
  taskManagerRpc: 6122,
  /** jobmanager.rpc.port. */
  jobManagerRpc: 6123,
  /** blob.server.port. */
  blob: 6124,
  /** metrics.internal.query-service.port (the JobManager fetches TaskManager metrics from it). */
  metricsQuery: 6125,
} as const;

/** The configuration keys (node/config.ts `extra`) that pin those ports on an EC2 node. */
export const EC2_PORT_CONFIG: Record<string, string | number> = {
  'taskmanager.data.port': FLINK_PORTS.data,
  'taskmanager.rpc.port': String(FLINK_PORTS.taskManagerRpc),
  'blob.server.port': String(FLINK_PORTS.blob),
  'metrics.internal.query-service.port': String(FLINK_PORTS.metricsQuery),
};

const INTRA_FROM = FLINK_PORTS.data;
const INTRA_TO = FLINK_PORTS.metricsQuery;

const IPV4_32 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/32$/;

/**
 * The caller's address as a CIDR that opens exactly one host: `a.b.c.d/32` (a bare address gets
 * /32). Anything wider — above all 0.0.0.0/0 — is refused.
 */
export function callerCidrOf(value: string): string {
  const v = value.trim();
  const cidr = v.includes('/') ? v : `${v}/32`;
  if (!IPV4_32.test(cidr) || cidr.startsWith('0.')) {
    throw new UserError(
      `--knob caller-cidr must be one IPv4 address as a /32 (got "${value}"); Flink's REST port is opened only to your own address, never to a network.`,
      'Pass your public address, e.g. --knob caller-cidr=203.0.113.7/32 (see https://checkip.amazonaws.com).',
    );
  }
  return cidr;
}

/** Asks https://checkip.amazonaws.com for this machine's public IPv4 address; a /32. */
export async function discoverCallerCidr(fetchImpl: typeof fetch = fetch, timeoutMs = 5_000): Promise<string> {
  let text: string;
  try {
    const res = await fetchImpl('https://checkip.amazonaws.com', { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = (await res.text()).trim();
  } catch (e) {
    throw new UserError(
      `could not find this machine's public address (https://checkip.amazonaws.com: ${(e as Error).message}); Flink's REST port must be opened to it.`,
      'Pass it yourself: --knob caller-cidr=A.B.C.D/32.',
    );
  }
  return callerCidrOf(text);
}

/** Ingress: Flink's ports within the group only; REST (8081) from the caller's /32 only. */
export function ingressRules(groupId: string, callerCidr: string): IpPermission[] {
  const cidr = callerCidrOf(callerCidr);
  return [
    {
      IpProtocol: 'tcp',
      FromPort: INTRA_FROM,
      ToPort: INTRA_TO,
      UserIdGroupPairs: [{ GroupId: groupId, Description: 'Flink RPC, blob, data and metrics ports: cluster members only' }],
    },
    {
      IpProtocol: 'tcp',
      FromPort: FLINK_PORTS.rest,
      ToPort: FLINK_PORTS.rest,
      UserIdGroupPairs: [{ GroupId: groupId, Description: 'Flink REST: cluster members' }],
      IpRanges: [{ CidrIp: cidr, Description: 'Flink REST: the streamscore caller only' }],
    },
  ];
}

/**
 * Egress replaces the default allow-all: HTTPS out (dnf repositories, Maven Central, Kinesis, STS —
 * public endpoints with no fixed addresses, hence 0.0.0.0/0 on port 443 only) and Flink's ports to
 * the group.
 */
export function egressRules(groupId: string): IpPermission[] {
  return [
    { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'HTTPS: packages, Maven Central, Kinesis' }] },
    { IpProtocol: 'tcp', FromPort: INTRA_FROM, ToPort: FLINK_PORTS.rest, UserIdGroupPairs: [{ GroupId: groupId, Description: 'Flink ports: cluster members only' }] },
  ];
}

/** The default egress rule AWS puts on a new group (everything, everywhere); revoked. */
export const DEFAULT_EGRESS: IpPermission[] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

/** Throws unless no ingress rule is open to a network wider than one host. */
export function assertNoOpenIngress(rules: readonly IpPermission[]): void {
  for (const r of rules) {
    for (const range of r.IpRanges ?? []) {
      if (!range.CidrIp || !range.CidrIp.endsWith('/32') || range.CidrIp.startsWith('0.')) {
        throw new Error(`refusing an ingress rule open to ${range.CidrIp ?? '(no CIDR)'}: streamscore opens ports only to one /32 or to its own group`);
      }
    }
    for (const range of r.Ipv6Ranges ?? []) {
      throw new Error(`refusing an IPv6 ingress rule (${range.CidrIpv6 ?? ''}): streamscore opens ports only to one IPv4 /32 or to its own group`);
    }
    if ((r.PrefixListIds ?? []).length > 0) throw new Error('refusing an ingress rule from a prefix list');
  }
}
