/** Ward's typed HTTP client, shared by the CLI, the agent and the Kubernetes components. */
export { WardClient, envSetting, optionsFromEnv, parseBool } from './client.js';
export type { KvTarget } from './client.js';
export { ApiError, ConnectionError, flattenServerMessages } from './errors.js';
export { DEFAULT_ADDRESS } from './transport.js';
export { OutputStringError } from './output-string.js';
export { backoffDelay, parseEvent } from './events.js';
export type { EventMessage, EventSubscription, SubscribeOptions, SubscriptionState } from './events.js';
export type { ClientOptions } from './transport.js';
export type * from './types.js';
