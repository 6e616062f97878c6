import { benchGenerator } from './bench.js';
const t0 = Date.now();
for (const r of await benchGenerator()) console.log(JSON.stringify(r));
console.log('took', (Date.now() - t0) / 1000, 's');
