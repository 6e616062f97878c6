import { describe, expect, it } from 'vitest';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { FlockDriver } from './driver.js';

/** A Lambda client whose Invoke calls wait until released. */
function heldLambda(): { client: LambdaClient; release(): void; calls(): number } {
  const waiting: (() => void)[] = [];
  let calls = 0;
  const client = {
    send: () => {
      calls++;
      return new Promise((resolve) => waiting.push(() => resolve({ StatusCode: 200 })));
    },
  } as unknown as LambdaClient;
  return { client, release: () => waiting.splice(0).forEach((r) => r()), calls: () => calls };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !ok(); i++) await settle();
  expect(ok()).toBe(true);
}

describe("Flock's driver reports how far it has taken in its input", () => {
  it('counts events read less those waiting for an epoch or for an accepted invocation', async () => {
    const lambda = heldLambda();
    const driver = new FlockDriver({
      lambda: lambda.client,
      plan: { stage: 'per-event', sql: 'SELECT * FROM events', watermarkDelayMs: 0 },
      functions: ['f'],
      invocation: 'async',
      epochMs: 1_000,
      eventTime: (e) => Number(e['t']),
    });
    const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ t: from + i }));
    driver.push(rows(100, 0));
    // Read, not yet cut into an epoch: nothing taken in.
    expect(driver.position()).toEqual({ 'kinesis.consumer.eventsRead': 0 });
    await driver.epoch();
    await until(() => lambda.calls() === 1);
    // Cut and sent, the invocation not yet accepted: still not taken in.
    expect(driver.position()['kinesis.consumer.eventsRead']).toBe(0);
    lambda.release();
    await settle();
    expect(driver.position()['kinesis.consumer.eventsRead']).toBe(100);
    driver.push(rows(50, 100));
    expect(driver.position()['kinesis.consumer.eventsRead']).toBe(100);
    await driver.epoch();
    await until(() => lambda.calls() === 2);
    expect(driver.position()['kinesis.consumer.eventsRead']).toBe(100);
    lambda.release();
    await settle();
    expect(driver.position()['kinesis.consumer.eventsRead']).toBe(150);
  });
});
