import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Every command, as an operator meets it on a bad day: an output it cannot write, no AWS
 * credentials (HOME an empty folder, no AWS_* variables), an option value it does not know.
 * Each must answer in a line or two naming what is wrong — never a stack trace, never
 * "internal error". Each case also names the message it expects, so a silent success fails too.
 */

const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-errors-'));
const home = join(tmp, 'home');
mkdirSync(home);
/** A regular file: as root every folder is writable, but nothing can be written under a file. */
const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'not a folder\n');
const unwritable = (name: string) => join(aFile, name);

/** The environment of a machine with no AWS set-up: no AWS_* variable, no ~/.aws, no instance metadata. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('npm_')) env[k] = v;
  // The SDK's credential chain would otherwise ask 169.254.169.254 (no network but loopback here).
  return { ...env, HOME: home, XDG_DATA_HOME: join(home, '.local', 'share'), AWS_EC2_METADATA_DISABLED: 'true' };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: bareEnv(), cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A stack frame as Node prints it ("    at fn (file.js:10:5)"), or the bug banner. */
const STACK = /^\s+at .+:\d+(:\d+)?\)?$/m;
const INTERNAL = /internal error/i;

const result = join(tmp, 'q0.json');
const compareFile = join(tmp, 'compare.yaml');
const badYaml = join(tmp, 'bad.yaml');

beforeAll(async () => {
  const r = await cli(['run', 'nexmark/q0', '--rate', '1000', '--duration', '1s', '--quiet', '--out', result]);
  if (r.code !== 0 || !existsSync(result)) throw new Error(`could not make the Result the report cases need: ${r.stderr}`);
  writeFileSync(compareFile, 'title: t\nworkloads: [nexmark/q0]\nbackends: [local]\nload:\n  rate: 1000\n  duration: 1s\n');
  writeFileSync(badYaml, 'workload: nexmark/q0\nload:\n  rate: 1000\n bad: [x\n');
}, 120_000);

type Case = [what: string, args: string[], expected: RegExp];

const unwritableOutput: Case[] = [
  ['run --out', ['run', 'nexmark/q0', '--duration', '1s', '--out', unwritable('r.json')], /Cannot write the Result to .*a part of the path is a file/],
  ['report --out', ['report', result, '--out', unwritable('report')], /Cannot write the report to .*a part of the path is a file/],
  ['plan --chart', ['plan', 'nexmark/q5', '--rate', '10k', '--chart', unwritable('charts')], /Cannot write the charts to .*a part of the path is a file/],
  ['generate --out', ['generate', 'nexmark', '--events', '10', '--out', unwritable('events.jsonl')], /Cannot write the events to .*a part of the path is a file/],
  ['report --out under /proc', ['report', result, '--out', '/proc/streamscore-no/report'], /Cannot write the report to \/proc\/streamscore-no\/report .*no folder can be created there/],
];

const noCredentials: Case[] = [
  ['cleanup --all', ['cleanup', '--all'], /cloud resources .*not checked — no AWS credentials/],
  ['cleanup --backend flock', ['cleanup', '--backend', 'flock'], /flock: cloud resources \(Lambda functions, IAM roles\) not checked — no AWS credentials/],
  ['cleanup --backend kda', ['cleanup', '--backend', 'kda'], /kda: cloud resources not checked — no AWS credentials/],
  ['flock functions list', ['flock', 'functions', 'list'], /no AWS credentials/],
  ['doctor --target aws', ['doctor', '--target', 'aws', '--region', 'us-east-1'], /credentials/i],
];

const unknownValues: Case[] = [
  ['prices --service Foo', ['prices', '--service', 'Foo'], /no service "Foo". Use one of: EC2, /],
  ['run --gen bogus=1', ['run', 'nexmark/q0', '--gen', 'bogus=1'], /no option "bogus". Its options: numEvents, /],
  ['run --shape bogus', ['run', 'nexmark/q0', '--shape', 'bogus'], /shape/i],
  ['run --backend nope', ['run', 'nexmark/q0', '--backend', 'nope'], /Unknown backend "nope"/],
  ['run --file with a YAML error', ['run', '--file', badYaml], /is not valid YAML: .*line 4, column 1 \("bad: \[x"\)/],
  ['run --file missing', ['run', '--file', join(tmp, 'missing.yaml')], /Cannot read run file/],
  ['cleanup --backend nope', ['cleanup', '--backend', 'nope'], /Unknown backend "nope"/],
  ['iam-policy --backend nope', ['iam-policy', '--backend', 'nope'], /Unknown backend "nope"/],
  ['report of a missing Result', ['report', join(tmp, 'missing.json'), '--out', join(tmp, 'r')], /missing\.json/],
  ['verify --run missing', ['verify', '--workload', 'nexmark/q0', '--results', join(tmp, 'none.jsonl'), '--run', join(tmp, 'missing.json')], /missing\.json|none\.jsonl/],
  ['compare of a missing file', ['compare', join(tmp, 'nope.yaml'), '--out', join(tmp, 'cmp')], /nope\.yaml/],
  ['flock functions list --target nowhere', ['flock', 'functions', 'list', '--target', 'nowhere'], /Expected --target=nowhere to be one of: local, aws/],
  ['generate of an unknown suite', ['generate', 'nosuch', '--events', '10'], /nosuch/],
];

// Each case is a CLI process of its own (1–2 s of start-up): they run side by side.
describe.concurrent('every error is one line, never a stack trace', () => {
  for (const [group, cases] of [
    ['an unwritable output', unwritableOutput],
    ['no AWS credentials', noCredentials],
    ['an unknown option value', unknownValues],
  ] as const) {
    describe(group, () => {
      for (const [what, args, expected] of cases) {
        it(what, async () => {
          const r = await cli(args);
          const all = `${r.stdout}\n${r.stderr}`;
          expect(all, all).not.toMatch(STACK);
          expect(all, all).not.toMatch(INTERNAL);
          expect(all).toMatch(expected);
          // Refusals exit non-zero; cleanup without credentials cleans what is local and succeeds.
          if (!args.includes('cleanup') || args.includes('nope')) expect(r.code, all).not.toBe(0);
          else expect(r.code, all).toBe(0);
        }, 100_000);
      }
    });
  }
});
