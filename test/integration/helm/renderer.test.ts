/**
 * The test renderer (test/helm-render, Go's text/template with sprig) behaves as Helm does
 * for what the Ward chart uses: values merged from defaults, -f files and --set (null
 * deletes a key), include/tpl/required/fail/lookup/toYaml/fromYaml, .Files, .Capabilities,
 * .Release, .Chart, NOTES.txt, and a missing value rendering as empty.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { HelmRenderError, renderChart } from '../../helpers/helm.js';
import { REPO_ROOT } from '../../helpers/process.js';

const DEMO = join(REPO_ROOT, 'test', 'integration', 'helm', 'fixtures', 'demo');

describe('helm-render', { skip: skipUnless(GO) }, () => {
  it('renders templates with values, helpers, files, capabilities and notes', () => {
    const r = renderChart(DEMO, { releaseName: 'rel', namespace: 'ns1', values: [join(DEMO, 'override.yaml')], set: ['replicas=5'] });
    const [cm] = r.docs;
    assert.equal(cm?.metadata?.name, 'rel-demo');
    assert.equal(cm?.metadata?.namespace, 'ns1');
    const data = cm?.['data'] as Record<string, string>;
    assert.deepEqual(
      { ...data, nested: data['nested']?.trim() },
      {
        replicas: '5',
        replicasPlusOne: '6',
        name: 'FROMFILE',
        nested: 'keep: kept',
        tpl: 'rel-tpl',
        file: 'file content',
        appVersion: '1.2.3',
        service: 'Helm',
        install: 'true',
        kube: 'v1.30.0',
        hasCertManager: 'false',
        hasApps: 'true',
        lookup: '{}',
        fromYaml: '1',
        json: '["a","b"]',
        template: 'demo/templates/cm.yaml',
        missing: '',
      },
    );
    assert.equal(r.notes.trim(), 'Installed rel with 5 replicas.');
    assert.deepEqual([...r.files.keys()].sort(), ['demo/templates/cm.yaml']);
  });

  it('reports extra API versions through .Capabilities.APIVersions.Has', () => {
    const r = renderChart(DEMO, { apiVersions: ['cert-manager.io/v1'] });
    assert.equal((r.docs[0]?.['data'] as Record<string, string>)['hasCertManager'], 'true');
  });

  it('fails with the message of required and fail', () => {
    assert.throws(() => renderChart(DEMO, { set: ['needRequired=true'] }), (e: unknown) => e instanceof HelmRenderError && /needed must be set/.test(e.message));
    assert.throws(() => renderChart(DEMO, { set: ['doFail=true'] }), (e: unknown) => e instanceof HelmRenderError && /asked to fail/.test(e.message));
  });

  it('types --set values as Helm does and --set-string keeps strings', () => {
    // `upper` takes a string: Helm fails the same way on a --set value typed as a bool.
    assert.throws(() => renderChart(DEMO, { set: ['name=true'] }), (e: unknown) => e instanceof HelmRenderError && /expected string; got bool/.test(e.message));
    const r = renderChart(DEMO, { setString: ['name=true', 'replicas=007'] });
    const data = r.docs[0]?.['data'] as Record<string, string>;
    assert.equal(data['name'], 'TRUE');
    assert.equal(data['replicas'], '007');
  });
});
