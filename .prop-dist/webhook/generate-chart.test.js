/**
 * charts/meshward against `meshward generate webhook`. The chart is rendered without Helm, the way Helm
 * renders it (src/testing/helm-render.ts says how and why that is faithful for these templates). A test
 * below also holds the templates to the smaller subset charts/meshward/README.md documents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse as renderGoTemplate } from '@evertdespiegeleer/go-template';
import { REPO_ROOT, runCli } from '../testing/kit.js';
import { assertSameObjects, chartValues, renderChart, templateFiles, CHART } from '../testing/helm-render.js';
import { createServingCertificate } from './generate-certs.js';
import { CERT_DAYS, defaultDeployOptions, serviceDnsNames, webhookDocuments } from './generate-webhook.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
const VERSION = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
function generated(o, tls = null) {
    return webhookDocuments({ ...defaultDeployOptions(VERSION), ...o }, tls).map((d) => d.object);
}
test('chart: the default values render the objects of `generate webhook --cert-manager`', async () => {
    const chart = await renderChart();
    assert.equal(chart.length, 13);
    assertSameObjects(chart, generated({ certManager: true }));
});
test('chart: without cert-manager, given the generated certificate, it renders the objects of `generate webhook`', async () => {
    const tls = await createServingCertificate(serviceDnsNames('meshward'), CERT_DAYS);
    const gen = generated({}, tls);
    const secret = gen.find((o) => o.kind === 'Secret');
    const chart = await renderChart({ certManager: { enabled: false }, tls: { caBundle: secret.data['ca.crt'], cert: secret.data['tls.crt'], key: secret.data['tls.key'] } });
    assertSameObjects(chart, gen);
});
test('chart: every value matches its generator flag', async () => {
    const o = {
        namespace: 'sec-tools',
        rootNamespace: 'istio-root',
        image: 'registry.example.com:5000/sec/meshward:2.0.0',
        replicas: 3,
        mode: 'warn',
        denyOn: 'medium',
        failurePolicy: 'Ignore',
        timeoutSeconds: 12,
        tenantsConfigMap: 'tenant-policy',
        certManager: true,
    };
    const chart = await renderChart({ ...o, tenantsConfigMap: o.tenantsConfigMap, certManager: { enabled: true } });
    assertSameObjects(chart, generated(o));
    // The root namespace equal to the webhook's own is listed once, as the generator does.
    const same = await renderChart({ namespace: 'istio-system' });
    assertSameObjects(same, generated({ certManager: true, namespace: 'istio-system' }));
    // createNamespace false leaves the Namespace out, nothing else.
    const noNs = await renderChart({ createNamespace: false });
    assertSameObjects(noNs, generated({ certManager: true }).filter((x) => x.kind !== 'Namespace'));
});
test('chart: values.schema.json refuses hostile or incomplete values before any template runs', async () => {
    const bad = [
        { namespace: 'a\n---\nkind: Secret' },
        { namespace: 'a#b' },
        { namespace: '"q"' },
        { rootNamespace: 'x y' },
        { image: 'meshward:1\nkind: X' },
        { image: 'meshward "x"' },
        { tenantsConfigMap: 'a\nb' },
        { replicas: 0 },
        { replicas: '2' },
        { timeoutSeconds: 31 },
        { timeoutSeconds: 2 },
        { mode: 'block' },
        { failurePolicy: 'fail' },
        { extra: true },
        { certManager: { enabled: false } },
        { certManager: { enabled: false }, tls: { caBundle: 'QQ==', cert: 'QQ==', key: 'not base64\n' } },
    ];
    for (const o of bad)
        await assert.rejects(renderChart(o), /values\.schema\.json refuses/, JSON.stringify(o));
});
test('chart: templates keep to the documented subset (README.md): .Values, printf "%q", if/else/end, range over a list, not/and/ne/gt, comments', async () => {
    const action = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
    const allowed = [
        /^\/\*[\s\S]*\*\/$/,
        /^\.Values(\.[A-Za-z]+)+$/,
        /^printf "%q" (\.Values(\.[A-Za-z]+)+|\.|\(printf "[^"]*"( \.Values(\.[A-Za-z]+)+)+\))$/,
        /^(if|if not|range) \.Values(\.[A-Za-z]+)+$/,
        /^if gt \.Values(\.[A-Za-z]+)+ [0-9]+\.0$/,
        /^if (and )?(\(?ne \.Values(\.[A-Za-z]+)+ (\.Values(\.[A-Za-z]+)+|"[a-z-]+")\)? ?)+$/,
        /^(else|end)$/,
    ];
    let count = 0;
    for (const file of await templateFiles()) {
        const text = await fs.readFile(file, 'utf8');
        for (const m of text.matchAll(action)) {
            count++;
            assert.ok(allowed.some((re) => re.test(m[1])), `${path.basename(file)}: {{ ${m[1]} }} is outside the documented subset`);
        }
    }
    assert.ok(count > 20);
    // And Go's engine refuses a Helm-only function: the subset is not merely a convention.
    await assert.rejects(renderGoTemplate('{{ .Values.x | toYaml }}', { Values: { x: 1 } }), /function "toYaml" not defined/);
});
test('chart: Chart.yaml appVersion and the default image follow the package version', async () => {
    const chartYaml = parseYaml(await fs.readFile(path.join(CHART, 'Chart.yaml'), 'utf8'));
    assert.equal(chartYaml.apiVersion, 'v2');
    assert.equal(chartYaml.appVersion, VERSION);
    const values = await chartValues();
    assert.equal(values.image, defaultDeployOptions(VERSION).image);
});
test('chart: the rendered chart scans clean at medium and above with the built CLI (BYP008 acknowledged on the namespace only)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-chart-'));
    try {
        const tls = await createServingCertificate(serviceDnsNames('meshward'), CERT_DAYS);
        const b64 = (s) => Buffer.from(s).toString('base64');
        for (const [name, overrides] of [
            ['cert-manager.yaml', {}],
            ['own-certs.yaml', { certManager: { enabled: false }, tls: { caBundle: b64(tls.caPem), cert: b64(tls.certPem), key: b64(tls.keyPem) } }],
        ]) {
            const objs = await renderChart(overrides);
            await fs.writeFile(path.join(dir, name), objs.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
            const r = await runCli(['scan', name, '-f', 'json', '--fail-on', 'medium', '--show-suppressed'], { cwd: dir });
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const report = JSON.parse(r.stdout);
            assert.deepEqual(report.errors, []);
            const serious = report.findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity));
            assert.deepEqual(serious.filter((f) => !f.suppressed).map((f) => f.ruleId), [], name);
            assert.deepEqual(serious.map((f) => `${f.ruleId} ${f.resource.kind}/${f.resource.name}`), ['BYP008 Namespace/meshward'], name);
            assert.ok(!r.stdout.includes(tls.keyPem.split('\n')[1]), 'no key material in the report');
        }
    }
    finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
});
