/**
 * Where the PostgreSQL store logs what an operator should see: connection failures while
 * opening, HA lock trouble. The server passes its own logger (storage/ cannot import it).
 */
export interface StoreLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}
