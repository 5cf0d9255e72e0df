import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';

function setup(level: 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level, sink: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) }, now: () => new Date(0) });
  return { log, lines, control: log.control() };
}

describe('logger control (sys/loggers)', () => {
  it('lists the named loggers with their levels, not the base one', () => {
    const { log, control } = setup();
    log.child('core');
    log.child('expiration');
    assert.deepEqual(control.levels(), { core: 'info', expiration: 'info' });
  });

  it('changes one logger\'s level without touching the others, and reverts it', () => {
    const { log, lines, control } = setup();
    const core = log.child('core');
    const exp = log.child('expiration');
    assert.equal(control.setOne('core', 'debug'), true);
    core.debug('core detail');
    exp.debug('expiration detail');
    log.debug('base detail');
    assert.deepEqual(lines.map((l) => l['@message']), ['core detail']);
    assert.deepEqual(control.levels(), { core: 'debug', expiration: 'info' });
    assert.equal(control.setOne('nope', 'debug'), false);
    assert.equal(control.revertOne('core'), true);
    core.debug('hidden again');
    assert.equal(lines.length, 1);
    assert.equal(control.revertOne('nope'), false);
  });

  it('sets every logger at once and reverts all to the configured level', () => {
    const { log, lines, control } = setup('warn');
    const core = log.child('core');
    control.setOne('core', 'error');
    control.setAll('debug');
    core.debug('a');
    log.debug('b');
    assert.equal(lines.length, 2);
    assert.deepEqual(control.levels(), { core: 'debug' });
    control.revertAll();
    core.info('c');
    log.info('d');
    assert.equal(lines.length, 2);
    assert.equal(log.level, 'warn');
  });

  it('taps every line at the tap\'s level, even below the loggers\' own, until stopped', () => {
    const { log, lines, control } = setup();
    const seen: unknown[] = [];
    const stop = control.tap('debug', (l) => seen.push(l['@message']));
    const core = log.child('core');
    core.debug('debug line', { client_token: 'hvs.secret' });
    core.info('info line');
    log.trace('trace line');
    assert.deepEqual(seen, ['debug line', 'info line']);
    // The sink still gets only what its level allows.
    assert.deepEqual(lines.map((l) => l['@message']), ['info line']);
    stop();
    core.info('after');
    assert.equal(seen.length, 2);
  });

  it('ends every tap when the server stops', () => {
    const { log, control } = setup();
    let ended = 0;
    const seen: unknown[] = [];
    control.tap('info', (l) => seen.push(l['@message']), () => ended++);
    control.tap('debug', () => undefined);
    control.endTaps();
    assert.equal(ended, 1);
    assert.equal(control.taps(), 0);
    log.info('after');
    assert.deepEqual(seen, []);
  });

  it('hands the tap the redacted line', () => {
    const { log, control } = setup();
    const seen: Record<string, unknown>[] = [];
    control.tap('info', (l) => seen.push({ ...l }));
    log.child('core').info('login', { client_token: 'hvs.secret', user: 'bob' });
    assert.equal(seen[0]?.['client_token'], '[redacted]');
    assert.equal(seen[0]?.['@module'], 'core');
    assert.ok(!JSON.stringify(seen).includes('hvs.secret'));
  });
});
