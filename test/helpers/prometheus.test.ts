import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, sampleValue } from './prometheus.js';

describe('the strict Prometheus text parser used by the tests', () => {
  it('reads gauges, counters and summaries with escaped labels', () => {
    const f = parsePrometheusText(
      [
        '# HELP a_g A gauge.',
        '# TYPE a_g gauge',
        'a_g{x="q\\"uote\\\\ \\n"} 1.5',
        '# TYPE s summary',
        's{quantile="0.5"} 2',
        's_sum 10',
        's_count 4',
        '# TYPE c counter',
        'c 3 1700000000000',
        '',
      ].join('\n'),
    );
    assert.equal(f.get('a_g')?.type, 'gauge');
    assert.equal(sampleValue(f, 'a_g', { x: 'q"uote\\ \n' }), 1.5);
    assert.equal(sampleValue(f, 's_count'), 4);
    assert.equal(f.get('s')?.samples.length, 3);
    assert.equal(sampleValue(f, 'c'), 3);
  });

  const bad: [string, string][] = [
    ['no trailing newline', 'a 1'],
    ['bad name', '1a 1\n'],
    ['bad value', 'a one\n'],
    ['bad escape', 'a{x="\\t"} 1\n'],
    ['duplicate label', 'a{x="1",x="2"} 1\n'],
    ['unquoted label', 'a{x=1} 1\n'],
    ['repeated series', 'a 1\na 2\n'],
    ['type after samples', 'a 1\n# TYPE a gauge\n'],
    ['second type', '# TYPE a gauge\n# TYPE a gauge\n'],
    ['split family', '# TYPE a gauge\na{x="1"} 1\nb 1\na{x="2"} 1\n'],
    ['summary without quantile', '# TYPE s summary\ns 1\n'],
    ['unknown type', '# TYPE a meter\n'],
    ['negative counter', '# TYPE c counter\nc -1\n'],
    ['trailing garbage', 'a 1 2 3\n'],
  ];
  for (const [what, text] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parsePrometheusText(text));
    });
  }
});
