#!/usr/bin/env node
// CPU of the rules runner's per-finding work (message templates, fingerprints, locations, sort) as a
// live cluster's analysis makes it: 20,000 Pods read "live" (no file), 4 findings each, located by
// LiveLocator. Prints the least CPU of 7 runs (the least is the figure load on a shared machine
// disturbs least). Compare two builds in the same minute:
//
//   node bench/findings.js bench/out/base/dist && node bench/findings.js dist
//
// (an older build copied under the repository, its package.json beside its dist/, so its imports resolve).
const distArg = process.argv[2] ?? 'dist';
const dist = new URL(distArg.replace(/\/?$/, '/'), 'file://' + process.cwd() + '/');
const { runRules } = await import(new URL('engine/run.js', dist));
const { MeshModel } = await import(new URL('model/model.js', dist));
const { LiveLocator } = await import(new URL('cluster/live-locator.js', dist));
const { defaultSettings } = await import(new URL('config/settings.js', dist));
const resources = [];
for (let i = 0; i < 20000; i++) {
  const ns = `team-${i % 150}`, name = `web-${i}-${(i * 7919) % 1000}`;
  resources.push({ id: i, cluster: 'c007', apiVersion: 'v1', group: '', kind: 'Pod', namespace: ns, name, labels: {}, annotations: {}, obj: { metadata: { name, namespace: ns }, spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] } }, source: null });
}
const model = new MeshModel(resources, {});
const rule = {
  meta: { id: 'TST901', title: 'Bench', severity: 'medium', category: 'egress', reads: ['Pod'], docs: { summary: 's', why: 'w', fix: 'f', bad: 'b' } },
  check({ model, report }) {
    for (const r of model.ofKind('', 'Pod')) {
      for (let c = 0; c < 2; c++) {
        report({ resource: r, path: ['spec', 'containers', c, 'securityContext', 'runAsUser'], message: `Pod ${r.namespace}/${r.name} runs container ${c} of ${r.name} as root; set runAsNonRoot on Pod ${r.namespace}/${r.name}` });
        report({ resource: r, path: ['spec', 'containers', c, 'image'], key: 'img', message: `Pod ${r.namespace}/${r.name} uses an image without a digest` });
      }
    }
  },
};
const settings = defaultSettings();
const times = [];
let n = 0;
for (let run = 0; run < 7; run++) {
  const t = process.cpuUsage();
  const { findings } = runRules(model, [rule], { settings, locator: new LiveLocator(), compact: true });
  n = findings.length + findings[0].message.length + findings[findings.length - 1].fingerprint.length;
  const c = process.cpuUsage(t);
  times.push((c.user + c.system) / 1000);
}
console.log(distArg, 'min', Math.min(...times).toFixed(0), 'ms; all', times.map((x) => x.toFixed(0)).join(' '), n);
