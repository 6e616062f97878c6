import { readFileSync } from 'node:fs';
import { launcherArgs, type FlinkClusterSpec, type NodeIdentity } from '../node/config.js';
import { LAUNCHER } from '../paths.js';

/**
 * The user-data of an EC2 Flink node: a shell script that installs Java 17 (and Maven, which the
 * launcher uses to fetch Flink's jars from Maven Central) and runs the SAME launcher the local
 * target runs (resources/launch-node.sh, embedded verbatim) with the SAME arguments
 * (node/config.ts `launcherArgs`: the config writer's config.yaml, base64, and the JVM sizes).
 *
 * One thing is only known on the instance: its own private address. The config writer is given
 * the placeholder `STREAMSCORE_PRIVATE_IP` for it, and the script puts the address (from IMDSv2)
 * in its place before it starts the launcher.
 */
export const PRIVATE_IP_PLACEHOLDER = 'STREAMSCORE_PRIVATE_IP';
export const LAUNCHER_EOF = 'STREAMSCORE_LAUNCHER_EOF';
/** EC2's limit on user-data, before base64. */
export const USER_DATA_MAX_BYTES = 16 * 1024;
/** Where the node lives on the instance. */
export const NODE_ROOT = '/opt/streamscore';
export const BOOT_LOG = '/var/log/streamscore-node.log';

export function readLauncher(path = LAUNCHER): string {
  return readFileSync(path, 'utf8');
}

/** Quotes one word for bash. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface UserDataInput {
  spec: FlinkClusterSpec;
  node: NodeIdentity;
  /** The launcher's text (default: resources/launch-node.sh). */
  launcher?: string;
}

/** The user-data script (plain text; `encodeUserData` makes what RunInstances takes). */
export function renderUserData(o: UserDataInput): string {
  const launcher = o.launcher ?? readLauncher();
  if (launcher.split('\n').some((l) => l.trim() === LAUNCHER_EOF)) throw new Error(`the launcher contains the line ${LAUNCHER_EOF}`);
  const args = launcherArgs(o.spec, o.node, { home: `${NODE_ROOT}/node` });
  const name = o.node.role === 'jobmanager' ? 'jobmanager' : `taskmanager-${o.node.index ?? 0}`;
  const script = `#!/bin/bash
# streamscore Flink ${o.spec.flinkVersion} node: ${name}. Written by plugins/flink/src/ec2/user-data.ts;
# runs resources/launch-node.sh, the launcher the local target runs, with the same arguments.
set -euo pipefail
exec >>${BOOT_LOG} 2>&1
echo "streamscore: boot $(date -u +%FT%TZ)"

# 1. Java 17 (the launcher's java) and Maven (its fetch of Flink's jars from Maven Central)
dnf install -y java-17-amazon-corretto-headless
dnf install -y maven-amazon-corretto17 || dnf install -y maven

# 2. this instance's private address, from the instance metadata service (IMDSv2: token first)
TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
PRIVATE_IP=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/local-ipv4)

# 3. the launcher, verbatim
install -d -m 0755 ${NODE_ROOT}
cat > ${NODE_ROOT}/launch-node.sh <<'${LAUNCHER_EOF}'
${launcher.endsWith('\n') ? launcher : launcher + '\n'}${LAUNCHER_EOF}

# 4. its arguments (node/config.ts launcherArgs); the config names this node's address ${PRIVATE_IP_PLACEHOLDER}
ARGS=(${args.map(shellQuote).join(' ')})
for i in "\${!ARGS[@]}"; do
  if [ "\${ARGS[$i]}" = --config-b64 ]; then
    j=$((i + 1))
    ARGS[$j]=$(printf '%s' "\${ARGS[$j]}" | base64 -d | sed "s/${PRIVATE_IP_PLACEHOLDER}/$PRIVATE_IP/g" | base64 -w0)
  fi
done
{ printf 'exec bash ${NODE_ROOT}/launch-node.sh'; printf ' %q' "\${ARGS[@]}"; printf '\\n'; } > ${NODE_ROOT}/start-node.sh

# 5. fetch the jars, then run the node as an unprivileged user under systemd
id flink >/dev/null 2>&1 || useradd --system --home-dir ${NODE_ROOT}/home --create-home flink
install -d -o flink -g flink ${NODE_ROOT}/node ${NODE_ROOT}/cache
chown -R flink:flink ${NODE_ROOT}
runuser -u flink -- env HOME=${NODE_ROOT}/home STREAMSCORE_FLINK_CACHE=${NODE_ROOT}/cache bash ${NODE_ROOT}/launch-node.sh fetch --flink-version ${shellQuote(o.spec.flinkVersion)}
systemd-run --unit=streamscore-flink --uid=flink --gid=flink \\
  --setenv=HOME=${NODE_ROOT}/home --setenv=STREAMSCORE_FLINK_CACHE=${NODE_ROOT}/cache \\
  --property=LimitNOFILE=65536 /bin/bash ${NODE_ROOT}/start-node.sh
echo "streamscore: ${name} started $(date -u +%FT%TZ)"
`;
  const bytes = Buffer.byteLength(script, 'utf8');
  if (bytes > USER_DATA_MAX_BYTES) throw new Error(`the ${name} user-data is ${bytes} bytes; EC2 takes at most ${USER_DATA_MAX_BYTES}`);
  return script;
}

/** RunInstances' UserData: base64 (SDK v3 does not encode it). */
export function encodeUserData(script: string): string {
  return Buffer.from(script, 'utf8').toString('base64');
}
