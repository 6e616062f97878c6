import { streamNamesFor } from '@streamscore/kinesis';
import { type IamPolicyDocument } from '@streamscore/core';
import { IAM_PATH, NAME_PREFIX } from './naming.js';

/**
 * IAM documents of the ec2 target: the instance role's (what the Flink nodes may do: read the
 * run's input stream, write its output stream, nothing else) and the user's (what
 * `streamscore iam-policy --backend flink` prints: what a person needs to run the target).
 */

/** Trust policy of the nodes' role: only EC2 may assume it. */
export const EC2_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Name of the role's one inline policy. */
export const NODE_POLICY_NAME = 'streamscore-flink-kinesis';

export function streamArn(region: string, account: string, name: string): string {
  return `arn:aws:kinesis:${region}:${account}:stream/${name}`;
}

/** What the job calls (flink-job's streamscore-kinesis connector): ListShards, GetShardIterator, GetRecords; PutRecords. */
const READ_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'];
const WRITE_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecords', 'kinesis:PutRecord'];

/** The nodes' Kinesis access in application mode: exactly the run's two streams (by ARN). */
export function nodeKinesisPolicy(region: string, account: string, runId: string): IamPolicyDocument {
  const s = streamNamesFor(runId);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadInputStream', Effect: 'Allow', Action: READ_ACTIONS, Resource: streamArn(region, account, s.input) },
      { Sid: 'WriteOutputStream', Effect: 'Allow', Action: WRITE_ACTIONS, Resource: streamArn(region, account, s.output) },
    ],
  };
}

/**
 * A session cluster serves runs that do not exist yet, so its nodes may read and write any
 * streamscore stream (`streamscore-*`) of its account and region — and nothing else.
 */
export function sessionKinesisPolicy(region: string, account: string): IamPolicyDocument {
  const any = streamArn(region, account, 'streamscore-*');
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'StreamscoreStreams', Effect: 'Allow', Action: [...new Set([...READ_ACTIONS, ...WRITE_ACTIONS])], Resource: any }],
  };
}

/** The public SSM parameters of Amazon Linux 2023's latest AMI, by architecture. */
export function al2023Parameter(architecture: 'arm64' | 'x86_64'): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}

const TAGGED = { StringEquals: { 'aws:RequestTag/streamscore/tool': 'streamscore' } };
const OURS = { StringEquals: { 'aws:ResourceTag/streamscore/tool': 'streamscore' } };
const ROLE_ARN = `arn:aws:iam::*:role${IAM_PATH}*`;
const PROFILE_ARN = `arn:aws:iam::*:instance-profile${IAM_PATH}*`;

/**
 * What a user needs to run `--target ec2` (and sessions, and `cleanup`), least privilege:
 * creation only with streamscore's tag, destruction only of what carries it, IAM only under the
 * /streamscore/ path, PassRole only to EC2, the AL2023 AMI parameters, and streamscore's streams.
 */
export function ec2UserPolicy(): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RunTaggedInstances',
        Effect: 'Allow',
        Action: 'ec2:RunInstances',
        Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*:*:volume/*'],
        Condition: TAGGED,
      },
      {
        Sid: 'RunInstancesWith',
        Effect: 'Allow',
        Action: 'ec2:RunInstances',
        Resource: [
          'arn:aws:ec2:*::image/*',
          'arn:aws:ec2:*:*:subnet/*',
          'arn:aws:ec2:*:*:network-interface/*',
          'arn:aws:ec2:*:*:security-group/*',
          'arn:aws:ec2:*:*:key-pair/*',
        ],
      },
      {
        Sid: 'CreateTaggedSecurityGroup',
        Effect: 'Allow',
        Action: 'ec2:CreateSecurityGroup',
        Resource: 'arn:aws:ec2:*:*:security-group/*',
        Condition: TAGGED,
      },
      { Sid: 'CreateSecurityGroupInVpc', Effect: 'Allow', Action: 'ec2:CreateSecurityGroup', Resource: 'arn:aws:ec2:*:*:vpc/*' },
      {
        Sid: 'TagOnCreate',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*:*:volume/*', 'arn:aws:ec2:*:*:security-group/*'],
        Condition: { StringEquals: { 'ec2:CreateAction': ['RunInstances', 'CreateSecurityGroup'] } },
      },
      {
        Sid: 'ManageOwnSecurityGroups',
        Effect: 'Allow',
        Action: [
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:DeleteSecurityGroup',
        ],
        Resource: 'arn:aws:ec2:*:*:security-group/*',
        Condition: OURS,
      },
      { Sid: 'TerminateOwnInstances', Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: 'arn:aws:ec2:*:*:instance/*', Condition: OURS },
      {
        Sid: 'Describe',
        Effect: 'Allow',
        Action: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVolumes', 'ec2:DescribeImages', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
        Resource: '*',
      },
      {
        Sid: 'NodeRoles',
        Effect: 'Allow',
        Action: [
          'iam:CreateRole',
          'iam:GetRole',
          'iam:TagRole',
          'iam:ListRoleTags',
          'iam:PutRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:ListRolePolicies',
          'iam:DeleteRole',
          'iam:ListInstanceProfilesForRole',
        ],
        Resource: ROLE_ARN,
      },
      {
        Sid: 'NodeInstanceProfiles',
        Effect: 'Allow',
        Action: [
          'iam:CreateInstanceProfile',
          'iam:TagInstanceProfile',
          'iam:ListInstanceProfileTags',
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:DeleteInstanceProfile',
          'iam:GetInstanceProfile',
        ],
        Resource: PROFILE_ARN,
      },
      { Sid: 'ListForCleanup', Effect: 'Allow', Action: ['iam:ListRoles', 'iam:ListInstanceProfiles'], Resource: '*' },
      {
        Sid: 'PassNodeRoleToEc2Only',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: ROLE_ARN,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        Sid: 'AmazonLinux2023Ami',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: [`arn:aws:ssm:*::parameter${al2023Parameter('arm64')}`, `arn:aws:ssm:*::parameter${al2023Parameter('x86_64')}`],
      },
      {
        Sid: 'RunStreams',
        Effect: 'Allow',
        Action: [
          'kinesis:CreateStream',
          'kinesis:DeleteStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:AddTagsToStream',
          'kinesis:ListTagsForStream',
          'kinesis:ListShards',
          'kinesis:SplitShard',
          'kinesis:PutRecords',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
        ],
        Resource: `arn:aws:kinesis:*:*:stream/${'streamscore-'}*`,
      },
      { Sid: 'ListStreamsForCleanup', Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' },
    ],
  };
}

/** Used in docs and tests: every name a role or profile can get starts with this. */
export const ROLE_NAME_PREFIX = NAME_PREFIX;
