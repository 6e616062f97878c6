import { randomBytes } from 'node:crypto';

/**
 * Secrets the kit looks for in everything a backend writes: AWS credential shapes, and the values
 * of the credential variables of this process, which the kit sets to canaries while it runs (or,
 * when real credentials are set, looks for those very values).
 */

export const SECRET_ENV_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

export interface Canaries {
  /** Values that must never appear in any output. */
  values: string[];
  /** Puts the environment back as it was. */
  restore(): void;
}

function b64(n: number): string {
  return randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
}

/** Sets every credential variable that is not already set to a canary value. */
export function installCanaries(): Canaries {
  const saved = new Map<string, string | undefined>();
  const values: string[] = [];
  for (const name of SECRET_ENV_VARS) {
    const current = process.env[name];
    saved.set(name, current);
    if (current) {
      values.push(current);
      continue;
    }
    const canary =
      name === 'AWS_ACCESS_KEY_ID' ? `AKIA${b64(16).toUpperCase().slice(0, 16)}` : name === 'AWS_SECRET_ACCESS_KEY' ? `kitCanary${b64(40)}`.slice(0, 40) : `kitCanaryToken${b64(96)}`;
    process.env[name] = canary;
    values.push(canary);
  }
  return {
    values,
    restore() {
      for (const [name, v] of saved) {
        if (v === undefined) delete process.env[name];
        else process.env[name] = v;
      }
    },
  };
}

const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'an AWS access key id (AKIA…/ASIA…)', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'the name aws_secret_access_key', re: /aws_secret_access_key/i },
  { what: 'a 40-character secret next to the word "secret"', re: /secret[\w"' ]{0,30}[:=][\s"']*[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i },
];

export interface Text {
  /** Where the text came from: "the Result", "log line 3", "stderr", … */
  where: string;
  text: string;
}

/** Sentences naming each secret found and where; empty when clean. */
export function findSecrets(texts: readonly Text[], canaries: readonly string[] = []): string[] {
  const found: string[] = [];
  for (const { where, text } of texts) {
    for (const v of canaries) {
      if (v.length >= 8 && text.includes(v)) found.push(`${where} contains the value of a credential variable of this process (${v.slice(0, 4)}…)`);
    }
    for (const p of PATTERNS) {
      const m = p.re.exec(text);
      if (m) found.push(`${where} contains ${p.what}: "${m[0].slice(0, 12)}…"`);
    }
  }
  return [...new Set(found)];
}
