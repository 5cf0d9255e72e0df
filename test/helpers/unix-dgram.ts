/**
 * A unix datagram socket a test owns, standing in for the local syslog daemon's /dev/log.
 * Node cannot bind unix datagram sockets, so a small python3 process does and prints each
 * datagram as one JSON string per line.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import type { Requirement } from './requirement.js';
import { waitFor } from './wait.js';

export const PYTHON3: Requirement = {
  what: 'python3',
  hint: 'apt-get install python3 (node-gyp needs it too)',
  present: () => {
    try {
      execFileSync('python3', ['-c', 'import socket, json'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  },
};

/** util-linux logger (Debian bsdutils, Essential): the syslog device's local transport. */
export const LOGGER: Requirement = {
  what: 'logger (util-linux, Debian bsdutils)',
  hint: 'apt-get install bsdutils',
  present: () => {
    try {
      execFileSync('logger', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  },
};

const SCRIPT = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    d = s.recv(1 << 20)
    print(json.dumps(d.decode("utf-8", "replace")), flush=True)
`;

export interface DgramReceiver {
  readonly path: string;
  /** Datagrams received so far, in order. */
  readonly messages: string[];
  close(): Promise<void>;
}

export async function startDgramReceiver(path: string): Promise<DgramReceiver> {
  const child: ChildProcess = spawn('python3', ['-u', '-c', SCRIPT, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: string[] = [];
  let ready = false;
  let buf = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'ready') ready = true;
      else messages.push(JSON.parse(line) as string);
    }
  });
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor('the datagram receiver to bind', () => ready || child.exitCode !== null, { context: () => stderr });
    if (!ready) throw new Error(`datagram receiver failed: ${stderr}`);
  } catch (e) {
    await close();
    throw e;
  }
  return { path, messages, close };
}
