import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
describe('stand-in selectors', () => {
    const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
    const cases = [
        ['app=web', true],
        ['app==web', true],
        ['app!=web', false],
        ['app!=db', true],
        ['missing!=x', true],
        ['app in (db, web)', true],
        ['app in (db)', false],
        ['app notin (web)', false],
        ['missing notin (web)', true],
        ['example.com/team', true],
        ['!example.com/team', false],
        ['!missing', true],
        ['app=web,tier in (front,back),!missing', true],
        ['app=web,tier=back', false],
        ['', true],
    ];
    for (const [sel, want] of cases) {
        it(`${JSON.stringify(sel)} → ${want}`, () => assert.equal(labelsMatch(parseLabelSelector(sel), labels), want));
    }
    it('inherited names are not labels', () => {
        assert.equal(labelsMatch(parseLabelSelector('constructor'), {}), false);
        assert.equal(labelsMatch(parseLabelSelector('toString'), labels), false);
        assert.equal(labelsMatch(parseLabelSelector('app'), null), false);
    });
    it('bad syntax and invalid keys or values are SelectorErrors (400 BadRequest)', () => {
        for (const bad of ['app in web', '__proto__=x', 'app=(x', 'a b c', 'app=' + 'x'.repeat(64), 'x'.repeat(5000)]) {
            assert.throws(() => parseLabelSelector(bad), SelectorError, bad);
        }
    });
    it('field selectors: metadata.name and metadata.namespace only', () => {
        const reqs = parseFieldSelector('metadata.name=a,metadata.namespace!=kube-system');
        assert.equal(fieldsMatch(reqs, 'a', 'default'), true);
        assert.equal(fieldsMatch(reqs, 'a', 'kube-system'), false);
        assert.equal(fieldsMatch(reqs, 'b', 'default'), false);
        assert.equal(fieldsMatch(parseFieldSelector('metadata.name==a'), 'a', ''), true);
        assert.throws(() => parseFieldSelector('spec.nodeName=x'), /field label not supported: spec\.nodeName/);
        // Secrets are selectable by type, as on the real server; other resources are not.
        const byType = parseFieldSelector('type=mirror.linkerd.io/remote-kubeconfig', '/secrets');
        assert.equal(fieldsMatch(byType, 'l', 'ns', { type: 'mirror.linkerd.io/remote-kubeconfig' }, '/secrets'), true);
        assert.equal(fieldsMatch(byType, 'l', 'ns', { type: 'Opaque' }, '/secrets'), false);
        assert.equal(fieldsMatch(parseFieldSelector('type!=Opaque', '/secrets'), 'l', 'ns', {}, '/secrets'), true);
        assert.throws(() => parseFieldSelector('type=Opaque', '/pods'), /field label not supported: type/);
        assert.throws(() => parseFieldSelector('type=Opaque'), /field label not supported: type/);
        assert.throws(() => parseFieldSelector('nonsense'), SelectorError);
    });
});
