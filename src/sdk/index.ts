export * from './logical.js';
export * from './storage.js';
export * from './events.js';
export * from './errors.js';
export * from './framework/fields.js';
export * from './framework/field-data.js';
export * from './framework/path.js';
export * from './framework/backend.js';
