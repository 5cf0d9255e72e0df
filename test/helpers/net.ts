/** Loopback ports for tests that must name a port before something listens on it. */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * The kernel's ephemeral port range: outgoing connections (every test's HTTP client, pg,
 * etcd peers) take their local ports from it. A port picked there and released can be
 * taken by such a connection before the child process binds it ("address already in
 * use"), which happened in CI with an etcd member.
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo!, hi!];
  } catch {
    // Not Linux: fall through to the IANA range.
  }
  return [49152, 65535];
}

const [EPHEMERAL_LO, EPHEMERAL_HI] = ephemeralRange();
/** Below the ephemeral range, above the well-known and usual service ports. */
const PICK_LO = 20000;
const PICK_HI = Math.min(EPHEMERAL_LO, 32768);

function tryBind(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

/** True when `port` lies in the range the kernel hands to outgoing connections. */
export const inEphemeralRange = (port: number): boolean => port >= EPHEMERAL_LO && port <= EPHEMERAL_HI;

/**
 * Where the next pick starts. Picks walk the range from a random point rather than
 * drawing at random: a process may ask for several ports before anything binds them (an
 * etcd cluster wants six), and independent draws from ~12,000 ports repeat often enough
 * to have given one cluster the same peer port twice in CI. Walking, a process sees a
 * port again only after going once round the whole range; test files running in parallel
 * start at different random points.
 */
let cursor = Math.floor(Math.random() * Math.max(1, PICK_HI - PICK_LO));

/**
 * A port on 127.0.0.1 that was free a moment ago and that this process has not handed out
 * before (see cursor). Checked by binding it; when the range below the ephemeral one
 * leaves no room, the kernel's choice (port 0). Another process can still take it before
 * the caller binds, so callers that can retry do.
 */
export async function freePort(): Promise<number> {
  const span = PICK_HI - PICK_LO;
  if (span >= 1000) {
    for (let i = 0; i < 50; i++) {
      const port = PICK_LO + (cursor++ % span);
      const bound = await tryBind(port);
      if (bound !== null) return bound;
    }
  }
  const bound = await tryBind(0);
  if (bound === null) throw new Error('no free loopback port');
  return bound;
}

/** Whether something accepts connections on 127.0.0.1:`port` (e.g. a server a script should have stopped). */
export const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
