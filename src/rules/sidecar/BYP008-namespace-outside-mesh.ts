import { defineRule } from '../types.js';
import type { PathSegment } from '../../model/resource.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { podOptIn } from '../../model/namespaces.js';
import { carriesInjectedSidecar } from '../../model/model.js';
import { collapseOwned } from '../../model/owners.js';
import type { EvidenceInput } from '../types.js';
import { shown, sidecarInjectSetting, workloadLabel } from './proxy.js';
import { WORKLOAD_READS } from '../reads.js';
import { parseImage } from '../../model/images.js';

export default defineRule({
  meta: {
    id: 'BYP008',
    title: 'Tenant namespace is in no mesh data-plane mode',
    severity: 'medium',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: ['Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
    docs: {
      summary:
        'A Namespace that is not a system namespace has neither sidecar injection (istio-injection=enabled or an istio.io/rev label) nor ambient mode (istio.io/dataplane-mode=ambient), or has injection explicitly disabled. A namespace with no injection label is in the mesh when the default injector has sidecarInjectorWebhook.enableNamespacesByDefault on (read from the values of the istio-sidecar-injector ConfigMap, as helm template renders it, or from the spec.values of an IstioOperator); it is not reported then. Only Namespace objects in the input are judged: a namespace that only appears as the namespace of other objects has unknown labels. Workloads can also join the mesh one by one: in a namespace with neither istio-injection nor istio.io/rev, the object webhooks of the injector inject pods labelled sidecar.istio.io/inject: "true" (exactly, as a label; the annotation is not matched) or istio.io/rev=REVISION, and a pod label istio.io/dataplane-mode=ambient enrols a pod in ambient mode; a pod template that already carries the injected sidecar (the injector\'s sidecar.istio.io/status annotation and an istio-proxy container, as istioctl kube-inject writes it) runs it wherever it is created. When every workload of the namespace in the input opts in this way, nothing is reported; when only some do, the finding names the ones outside the mesh and is low. A namespace whose workloads in the input all run SPIRE (spire-server, spire-agent, spiffe-csi-driver, spire-controller-manager), which issues the identities the proxies use and so cannot sit behind one, is info.',
      why:
        "Pods in such a namespace get no proxy. Their traffic to mesh services is plaintext and carries no identity, so it is either rejected by STRICT peers (and teams then relax PeerAuthentication to PERMISSIVE) or, where PERMISSIVE already applies, accepted without authentication: AuthorizationPolicies that name principals or namespaces cannot tell these pods apart. Their egress escapes every mesh egress control. An attacker who lands in such a namespace, or a tenant who creates one, sits beside the mesh with none of its guarantees.",
      fix:
        'Put the namespace in the mesh: label it istio-injection=enabled (or istio.io/rev=REVISION) for sidecars, or istio.io/dataplane-mode=ambient for ambient mode, then restart its workloads. If it must stay outside the mesh, record it as a system namespace in .meshward.yaml (systemNamespaces) and isolate it with NetworkPolicies.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels:\n    istio-injection: enabled',
      references: [
        'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/',
        'https://istio.io/latest/docs/ambient/usage/add-workloads/',
        'https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/',
        'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/',
      ],
    },
  },
  check({ model, report }) {
    for (const ns of model.namespaces()) {
      if (!ns.resource || ns.system || ns.mode !== 'none') continue;
      const meta = ns.resource.obj?.metadata;
      const hasLabels = isObject(meta) && isObject(meta.labels);
      const disabled = ns.labels['istio-injection'];
      let path: PathSegment[] = hasLabels ? ['metadata', 'labels'] : ['metadata'];
      let how: string;
      if (disabled !== undefined && hasLabels) {
        path = ['metadata', 'labels', 'istio-injection'];
        const rev = ns.labels['istio.io/rev'];
        how =
          rev !== undefined
            ? `has istio-injection=${shown(disabled, 40)}, which overrides its istio.io/rev=${shown(rev, 40)} label (see BYP011)`
            : `has istio-injection=${shown(disabled, 40)} and no other mesh label`;
      } else {
        how = 'has no istio-injection=enabled, istio.io/rev or istio.io/dataplane-mode=ambient label';
      }
      // A Deployment's ReplicaSets and Pods are one workload here (src/model/owners.ts), as everywhere in a message.
      const workloads = collapseOwned(model.workloadsIn(ns.name)).workloads;
      // Pods can join on their own (object / rev.object webhooks, pod-level ambient): the model decides once.
      const joined: Workload[] = [];
      const outside: Workload[] = [];
      for (const w of workloads) {
        const mode = model.dataplaneOf(w);
        (mode === 'sidecar' || mode === 'ambient' ? joined : outside).push(w);
      }
      if (workloads.length > 0 && outside.length === 0) continue;
      // SPIRE issues the mesh's workload identities (Istio's SPIRE integration: the spire-agent socket is
      // the proxies' SDS source), so it cannot run behind a proxy that needs it to start; Istio's own
      // samples/security/spire install it in a namespace without injection. Said at info, with the care
      // it does need.
      if (workloads.length > 0 && outside.every(runsIdentityInfrastructure)) {
        report({
          resource: ns.resource,
          path,
          severity: 'info',
          message: `Namespace ${ns.name} ${how}; its workloads (${names(outside, 3)}) run SPIRE, which issues the mesh's identities and has to stay outside the mesh. Isolate it with NetworkPolicies, keep who may create pods there to the platform team, and list it in systemNamespaces (.meshward.yaml).`,
        });
        continue;
      }
      // Pods that ask for a sidecar and are not heard: say why, so the fix is obvious.
      const unheard = outside.filter((w) => sidecarInjectSetting(w)?.inject === true);
      let hint = '';
      if (unheard.length && disabled !== undefined) {
        hint = ` ${names(unheard, 3)} ${unheard.length === 1 ? 'asks' : 'ask'} for a sidecar with sidecar.istio.io/inject, but no injection webhook selects a namespace labelled istio-injection=${shown(disabled, 40)}.`;
      } else if (unheard.length) {
        hint = ` ${names(unheard, 3)} ${unheard.length === 1 ? 'asks' : 'ask'} for a sidecar with sidecar.istio.io/inject as an annotation or with a value other than "true", which the injection webhooks do not match in a namespace without injection labels; the pod label sidecar.istio.io/inject: "true" is what opts a pod in.`;
      }
      if (joined.length > 0) {
        const evidence: EvidenceInput[] = outside.slice(0, 20).map((w) => ({ role: 'outside-mesh', description: `${workloadLabel(w)} does not opt in: no sidecar`, resource: w.resource, path: w.metaPath }));
        const optIn = optInText(joined.map((w) => (carriesInjectedSidecar(w) ? INJECTED : podOptIn(ns.labels, w.podLabels)?.label ?? '')));
        report({
          resource: ns.resource,
          path,
          severity: 'low',
          message: `Namespace ${ns.name} ${how}, but ${joined.length} of its ${workloads.length} workloads in the input join the mesh on their own (${optIn}); only ${names(outside, 5)} ${outside.length === 1 ? 'runs' : 'run'} without sidecar or ztunnel, with plaintext traffic, no mesh identity and no egress control.${hint}`,
          evidence,
        });
        continue;
      }
      const count = workloads.length;
      report({
        resource: ns.resource,
        path,
        message: `Namespace ${ns.name} ${how}, so it is in no mesh data-plane mode: its pods${count ? ` (${count} workload${count === 1 ? '' : 's'} in the input)` : ''} run without sidecar or ztunnel, with plaintext traffic, no mesh identity and no egress control.${hint}`,
      });
    }
  },
});

/** The SPIFFE/SPIRE components, by image repository name (ghcr.io/spiffe/...; k8s-workload-registrar before 1.5). */
const SPIRE_IMAGES: ReadonlySet<string> = new Set(['spire-server', 'spire-agent', 'spiffe-csi-driver', 'spire-controller-manager', 'k8s-workload-registrar', 'spire-oidc-provider', 'oidc-discovery-provider']);

/** Kubernetes' own helper that every CSI driver pod runs beside the driver (SPIRE's CSI driver too). */
const CSI_HELPERS: ReadonlySet<string> = new Set(['csi-node-driver-registrar']);

/** The workload runs a SPIRE component, and nothing else but the CSI registrar (init containers aside). */
function runsIdentityInfrastructure(w: Workload): boolean {
  const repos = w.containers.filter((c) => c.kind === 'container').map((c) => parseImage(c.image)?.repository.split('/').pop() ?? '');
  return repos.some((n) => SPIRE_IMAGES.has(n)) && repos.every((n) => SPIRE_IMAGES.has(n) || CSI_HELPERS.has(n));
}

/** How a joined workload joined when its pod template already carries the injected sidecar. */
const INJECTED = 'injected';

/** `pod label sidecar.istio.io/inject: "true"` and the other ways the joined workloads opted in. */
function optInText(labels: string[]): string {
  const ways = new Set(labels);
  const out: string[] = [];
  if (ways.has(INJECTED)) out.push('a sidecar injected ahead, as istioctl kube-inject writes it');
  if (ways.has('sidecar.istio.io/inject')) out.push('pod label sidecar.istio.io/inject: "true"');
  if (ways.has('istio.io/rev')) out.push('pod label istio.io/rev');
  if (ways.has('istio.io/dataplane-mode')) out.push('pod label istio.io/dataplane-mode: ambient');
  return out.join(', ') || 'pod labels';
}

/** `Deployment shop/a, Deployment shop/b and 3 more`. */
function names(ws: readonly Workload[], max: number): string {
  const head = ws.slice(0, max).map(workloadLabel).join(', ');
  return ws.length > max ? `${head} and ${ws.length - max} more` : head;
}
