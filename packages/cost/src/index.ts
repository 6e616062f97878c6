export * from './price-book.js';
export * from './billing.js';
export * from './lambda.js';
export * from './projection.js';
export * from './refresh.js';
