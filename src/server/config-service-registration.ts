/** `service_registration "kubernetes" { … }`: how the node advertises its state. */
import type { Block, Locator } from './config.js';

export type ServiceRegistrationConfig = never;

export function parseServiceRegistration(b: Block, loc: Locator, at: number): ServiceRegistrationConfig {
  throw loc.error(`unknown service_registration type "${b.label}"`, undefined, at);
}
