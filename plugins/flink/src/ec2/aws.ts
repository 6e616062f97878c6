// Type-only imports: erased at compile time, so loading the plugin does not load the AWS SDK.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import { errorName } from '@streamscore/kinesis';

export type Ec2Sdk = typeof import('@aws-sdk/client-ec2');
export type IamSdk = typeof import('@aws-sdk/client-iam');
export type SsmSdk = typeof import('@aws-sdk/client-ssm');
export type StsSdk = typeof import('@aws-sdk/client-sts');

export interface AwsSdks {
  ec2: Ec2Sdk;
  iam: IamSdk;
  ssm: SsmSdk;
  sts: StsSdk;
}

let sdks: Promise<AwsSdks> | undefined;

/** The four SDK modules the ec2 target uses, imported on first use (the CLI pays nothing when unused). */
export function loadAwsSdks(): Promise<AwsSdks> {
  sdks ??= Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-ssm'),
    import('@aws-sdk/client-sts'),
  ]).then(([ec2, iam, ssm, sts]) => ({ ec2, iam, ssm, sts }));
  return sdks;
}

export interface AwsClients {
  region: string;
  sdk: AwsSdks;
  ec2: EC2Client;
  iam: IAMClient;
  ssm: SSMClient;
  sts: STSClient;
  destroy(): void;
}

export interface AwsClientOptions {
  region: string;
  /** Endpoint override for every client (moto's server in tests). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** EC2, IAM, SSM and STS clients for one region (the SDK's credential chain unless given). */
export async function awsClients(o: AwsClientOptions): Promise<AwsClients> {
  const sdk = await loadAwsSdks();
  const config = {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  };
  const ec2 = new sdk.ec2.EC2Client(config);
  const iam = new sdk.iam.IAMClient(config);
  const ssm = new sdk.ssm.SSMClient(config);
  const sts = new sdk.sts.STSClient(config);
  return {
    region: o.region,
    sdk,
    ec2,
    iam,
    ssm,
    sts,
    destroy: () => {
      ec2.destroy();
      iam.destroy();
      ssm.destroy();
      sts.destroy();
    },
  };
}

/** The message of an SDK error (or anything thrown). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function isNotFound(e: unknown): boolean {
  const n = errorName(e);
  return n === 'NoSuchEntityException' || n === 'NoSuchEntity' || n.endsWith('.NotFound') || n === 'InvalidGroup.NotFound';
}

export function isCredentialsError(e: unknown): boolean {
  const n = errorName(e);
  return n === 'CredentialsProviderError' || /credential/i.test(n) || /Could not load credentials/i.test(messageOf(e));
}

export { errorName };
