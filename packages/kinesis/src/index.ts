// The Kinesis transport. Nothing here imports the AWS SDK at load time: client.ts loads it on
// first use, and local-kinesis.ts requires kinesalite only when a local Kinesis is started.
export * from './framing.js';
export * from './client.js';
export * from './writer.js';
export * from './reader.js';
export * from './transport.js';
export * from './engine-lag.js';
export * from './local-kinesis.js';
export * from './bench.js';
export * from './fault-proxy.js';
