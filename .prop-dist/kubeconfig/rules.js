import { pathToString } from '../model/resource.js';
import { parseKubeconfig } from './parse.js';
import { KCF, judgeKubeconfig } from './judge.js';
const ISTIO_SANITIZER = 'https://github.com/istio/istio/pull/36307';
const KUBECTL_697 = 'https://github.com/kubernetes/kubectl/issues/697';
const K8S_WARNING = 'https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/';
const CLIENT_NODE = 'https://github.com/kubernetes-client/javascript/blob/main/src/config_types.ts';
const KUBERC = 'https://kubernetes.io/docs/reference/kubectl/kuberc/';
const EXEC_PLUGINS = 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins';
const IMPERSONATION = 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation';
const READS = ['Secret'];
/** Metadata of every KCF rule, in ID order. */
export const KCF_META = {
    [KCF.exec]: {
        id: KCF.exec,
        title: 'Kubeconfig user runs an exec credential plugin',
        severity: 'critical',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig user has an `exec` block: `command` (with `args` and `env`) is run to obtain credentials. Also reported: `env` entries that load code (`LD_PRELOAD`, `LD_LIBRARY_PATH`, `NODE_OPTIONS`, `PYTHONPATH`...), redirect the plugin (`PATH`, proxies, CA bundles) or its configuration; `args` that pass inline code to an interpreter or hold shell metacharacters; an `installHint` (text shown to the user, a social-engineering channel); `provideClusterInfo`; and `interactiveMode` `Always` / `IfAvailable`. A relative `command` with a path separator resolves against the kubeconfig’s folder; a bare name is looked up on `PATH`. Severity is critical, medium for a well-known cloud login plugin in a kubeconfig file (never in a Secret).',
            why: 'A kubeconfig is code. Whoever writes the `exec` block runs any program, with the full environment and privileges of every tool and controller that loads the kubeconfig: kubectl on a laptop, a CI job, istiod reading a remote secret. `env` can inject code into a plugin that looks harmless (`LD_PRELOAD` into an allowlisted `aws`), which defeats command allowlists such as kuberc’s `credentialPluginAllowlist`. istiod (1.13 and later) refuses kubeconfigs with `exec` unless `PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS` allows it.',
            fix: 'Never use a kubeconfig with `exec` that you did not write. For kubeconfigs a program consumes (remote secrets, CI), use a short-lived token or client certificate data instead of a plugin. For your own, keep `command` a bare, well-known plugin name, drop `env` entries that change how code is loaded, and set a kuberc `credentialPluginPolicy: Allowlist`.',
            bad: 'users:\n- name: ci\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./bin/login\n      env: [{name: LD_PRELOAD, value: ./bin/hook.so}]\n      interactiveMode: Never',
            good: 'users:\n- name: ci\n  user:\n    token: <short-lived service-account token>',
            references: [EXEC_PLUGINS, KUBECTL_697, ISTIO_SANITIZER, KUBERC, K8S_WARNING],
        },
    },
    [KCF.authProvider]: {
        id: KCF.authProvider,
        title: 'Kubeconfig user uses an auth-provider that runs commands, sends ambient credentials or reaches internal URLs',
        severity: 'high',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig user has an `auth-provider`. gcp or azure with `cmd-path` runs a command (critical: @kubernetes/client-node builds a shell command line from `cmd-path` and `cmd-args`). gcp without `cmd-path` sends the host’s Google Application Default Credentials to the server. azure uses and refreshes Azure AD tokens. oidc is reported when `idp-issuer-url` is plain `http://` or points at a metadata or link-local address (SSRF). Any other provider name is reported too.',
            why: 'An attacker who writes the auth-provider block either runs shell code on the consumer (`cmd-path`), or makes the consumer hand over its own cloud identity to a server the attacker chose (gcp without `cmd-path`), or sends the consumer’s requests and refresh tokens to an address inside its network. client-go 1.26 and later no longer ship gcp and azure, but other clients do. istiod rejects every auth-provider except oidc.',
            fix: 'Replace in-tree auth-providers with a bearer token or client certificate data for programs, or an exec plugin you control for people. For oidc, use an `https://` issuer on a public name.',
            bad: 'users:\n- name: gke\n  user:\n    auth-provider:\n      name: gcp\n      config: {cmd-path: /bin/sh, cmd-args: "-c id"}',
            good: 'users:\n- name: gke\n  user:\n    token: <short-lived token>',
            references: [CLIENT_NODE, ISTIO_SANITIZER, KUBECTL_697],
        },
    },
    [KCF.tokenFile]: {
        id: KCF.tokenFile,
        title: 'Kubeconfig user reads its bearer token from a local file',
        severity: 'high',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig user names a token file: `tokenFile` (client-go), `token-file` (@kubernetes/client-node, which reads it while loading the kubeconfig) or `auth-provider.config.tokenFile` (client-node’s file provider). Critical when the path is where credentials live (service-account tokens, cloud credentials, `/proc`).',
            why: 'The consumer reads any file it can and sends the contents as `Authorization: Bearer` to the server. An attacker who writes both the path and the server receives the file: the service-account token of istiod or a CI runner, a cloud credential, any readable secret. This is the cleanest file-exfiltration path in a kubeconfig. istiod rejects `tokenFile` but not the `token-file` spelling, which client-go ignores and client-node reads.',
            fix: 'Put the token itself (`token`), short-lived, in kubeconfigs that other programs consume. Never load a kubeconfig with a token file you did not write.',
            bad: 'users:\n- name: reader\n  user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token',
            good: 'users:\n- name: reader\n  user:\n    token: <short-lived token>',
            references: [CLIENT_NODE, ISTIO_SANITIZER, KUBECTL_697],
        },
    },
    [KCF.credentialPath]: {
        id: KCF.credentialPath,
        title: 'Kubeconfig names certificate, key or CA files on the consumer’s disk',
        severity: 'high',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig refers to local files instead of inline data: `client-certificate` and `client-key` (high, critical for credential locations), `certificate-authority` and oidc `idp-certificate-authority` (low).',
            why: 'With certificate and key paths the consumer authenticates *as itself* (for istiod, with its own workload certificate) to a server the kubeconfig’s author chose. A CA path lets whoever controls that file decide which server certificates pass. client-go’s validation opens these files, so error messages become an oracle for which paths exist. istiod rejects `client-certificate` and `client-key` paths; it does not check `certificate-authority`.',
            fix: 'Use `client-certificate-data`, `client-key-data` and `certificate-authority-data` in kubeconfigs that other programs consume.',
            bad: 'users:\n- name: admin\n  user:\n    client-certificate: /etc/certs/cert-chain.pem\n    client-key: /etc/certs/key.pem',
            good: 'users:\n- name: admin\n  user:\n    client-certificate-data: <base64>\n    client-key-data: <base64>',
            references: [ISTIO_SANITIZER, 'https://github.com/advisories/GHSA-vvmq-fwmg-2gjc'],
        },
    },
    [KCF.insecureTls]: {
        id: KCF.insecureTls,
        title: 'Kubeconfig cluster skips server certificate verification',
        severity: 'high',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig cluster sets `insecure-skip-tls-verify: true`.',
            why: 'Anyone on the network path can pose as the API server: they take the bearer token or password sent to it and answer with forged objects. For istiod reading a remote secret, forged endpoints and config mean traffic hijack across the mesh. istiod does not check this field.',
            fix: 'Remove `insecure-skip-tls-verify` and set `certificate-authority-data` to the API server’s CA.',
            bad: 'clusters:\n- name: east\n  cluster:\n    server: https://east.example.com:6443\n    insecure-skip-tls-verify: true',
            good: 'clusters:\n- name: east\n  cluster:\n    server: https://east.example.com:6443\n    certificate-authority-data: <base64 CA>',
            references: [ISTIO_SANITIZER, 'https://istio.io/latest/docs/setup/install/multicluster/'],
        },
    },
    [KCF.plainHttp]: {
        id: KCF.plainHttp,
        title: 'Kubeconfig cluster server is plain http://',
        severity: 'high',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig cluster’s `server` is an `http://` URL. High when a context pairs it with a user that carries credentials (or no context uses it), medium when the paired users carry none.',
            why: 'Every request, with its bearer token or password, crosses the network in cleartext: anyone on the path reads and replays the credentials and rewrites the answers. istiod does not check `server`.',
            fix: 'Use the API server’s `https://` endpoint with `certificate-authority-data`.',
            bad: 'clusters:\n- name: west\n  cluster:\n    server: http://10.0.0.1:8080',
            good: 'clusters:\n- name: west\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: <base64 CA>',
            references: [ISTIO_SANITIZER],
        },
    },
    [KCF.proxy]: {
        id: KCF.proxy,
        title: 'Kubeconfig cluster sends API traffic through a proxy',
        severity: 'medium',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig cluster sets `proxy-url` (http, https or socks5). High when the same cluster has no TLS or skips verification, since the proxy then reads and rewrites the credentials. Proxy credentials in the URL are fingerprinted.',
            why: 'All API traffic, credentials included, goes through the proxy the kubeconfig’s author chose: they learn every server contacted and when, can block or delay traffic, and read everything when TLS is weak. istiod does not check `proxy-url` (`istioctl create-remote-secret` drops it).',
            fix: 'Remove `proxy-url` from kubeconfigs that programs consume; set proxies in the consumer’s environment, where the operator controls them.',
            bad: 'clusters:\n- name: east\n  cluster:\n    server: https://east.example.com:6443\n    proxy-url: socks5://proxy.example.net:1080',
            good: 'clusters:\n- name: east\n  cluster:\n    server: https://east.example.com:6443',
            references: [ISTIO_SANITIZER, 'https://github.com/istio/istio/issues/51934'],
        },
    },
    [KCF.tlsServerName]: {
        id: KCF.tlsServerName,
        title: 'Kubeconfig cluster checks the server certificate against another name',
        severity: 'medium',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig cluster sets `tls-server-name` to a name other than the host in `server`. Medium when the CA also comes from the kubeconfig (`certificate-authority-data` or `certificate-authority`), low with the system roots.',
            why: 'Whoever writes both the trusted CA and the accepted name decides which certificate passes, so a redirected or intercepted server passes verification while `server` looks right. With the system roots, a publicly trusted certificate for the chosen name is enough. istiod does not check this field.',
            fix: 'Drop `tls-server-name` unless the API server certificate really lacks the host name; then pin the API server’s own CA.',
            bad: 'clusters:\n- name: east\n  cluster:\n    server: https://10.1.2.3:6443\n    tls-server-name: api.attacker.example\n    certificate-authority-data: <attacker CA>',
            good: 'clusters:\n- name: east\n  cluster:\n    server: https://east.example.com:6443\n    certificate-authority-data: <east CA>',
            references: [ISTIO_SANITIZER],
        },
    },
    [KCF.internalServer]: {
        id: KCF.internalServer,
        title: 'Kubeconfig cluster server points at a metadata, link-local or loopback address',
        severity: 'high',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig cluster’s `server` is a cloud metadata endpoint or a link-local address (high), or, in a credential Secret, loopback or 0.0.0.0 (medium). Numeric forms such as `http://2852039166` are normalised first.',
            why: 'The consumer sends API requests, with credentials, from its own network position to an address the kubeconfig’s author chose: server-side request forgery. The request paths are fixed by the client, which limits but does not remove the damage. istiod does not check `server`.',
            fix: 'Point `server` at the remote API server’s real address.',
            bad: 'clusters:\n- name: east\n  cluster:\n    server: http://169.254.169.254',
            good: 'clusters:\n- name: east\n  cluster:\n    server: https://east.example.com:6443',
            references: [ISTIO_SANITIZER],
        },
    },
    [KCF.impersonation]: {
        id: KCF.impersonation,
        title: 'Kubeconfig user impersonates another identity',
        severity: 'medium',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig user sets `as`, `as-uid`, `as-groups` or `as-user-extra`, which add Impersonate-* headers to every request. Critical for `as-groups` with `system:masters` or `as: system:admin`, high for other system identities.',
            why: 'Harmless while the credential may not impersonate; once it can (or is later granted it), every request runs as the identity the kubeconfig’s author chose, and `system:masters` bypasses RBAC entirely. istiod keeps `as`, `as-groups` and `as-user-extra` but silently drops `as-uid`, so istiod and other clients authenticate differently.',
            fix: 'Remove impersonation from kubeconfigs that programs consume; grant the credential’s own identity the permissions it needs instead.',
            bad: 'users:\n- name: reader\n  user:\n    token: <token>\n    as-groups: [system:masters]',
            good: 'users:\n- name: reader\n  user:\n    token: <token>',
            references: [IMPERSONATION, ISTIO_SANITIZER],
        },
    },
    [KCF.nonExpiringToken]: {
        id: KCF.nonExpiringToken,
        title: 'Kubeconfig bearer token never expires',
        severity: 'medium',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A kubeconfig user’s `token` is a JWT with no `exp` claim, typically a legacy service-account token from a `kubernetes.io/service-account-token` Secret (what `istioctl create-remote-secret` uses). The token is decoded, never verified and never printed: issuer, service account and fingerprint are shown.',
            why: 'Whoever copies the token keeps access until the token Secret or the service account is deleted; nothing rotates it, and a leak is permanent.',
            fix: 'Use a bound, expiring token (`kubectl create token SA --duration=...`) and rotate it, or let each cluster push outward (the relay model) so no long-lived credential leaves it.',
            bad: "users:\n- name: istio-reader-service-account\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwia3ViZXJuZXRlcy5pby9zZXJ2aWNlYWNjb3VudC9uYW1lc3BhY2UiOiJpc3Rpby1zeXN0ZW0iLCJrdWJlcm5ldGVzLmlvL3NlcnZpY2VhY2NvdW50L3NlcnZpY2UtYWNjb3VudC5uYW1lIjoiaXN0aW8tcmVhZGVyLXNlcnZpY2UtYWNjb3VudCIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDppc3Rpby1zeXN0ZW06aXN0aW8tcmVhZGVyLXNlcnZpY2UtYWNjb3VudCJ9.ZXhhbXBsZS1zaWduYXR1cmU  # legacy Secret token: no exp claim",
            good: "users:\n- name: istio-reader-service-account\n  user:\n    token: <bound token from kubectl create token --duration=24h>",
            references: [
                'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#legacy-serviceaccount-token-cleaner',
                'https://istio.io/latest/docs/reference/commands/istioctl/#istioctl-create-remote-secret',
            ],
        },
    },
    [KCF.ambiguousNames]: {
        id: KCF.ambiguousNames,
        title: 'Kubeconfig names are duplicated, missing or shadowed',
        severity: 'low',
        category: 'multicluster',
        reads: READS,
        docs: {
            summary: 'A cluster, user or context name is defined twice; a context or `current-context` names something this kubeconfig does not define; or, when several files are merged through KUBECONFIG, an earlier file defines the same name and wins.',
            why: 'Different tools resolve these cases differently (client-go refuses duplicates, others take the first or last; merging takes the first file’s definition), so an attacker hides a dangerous entry behind a harmless one, or a file placed earlier in KUBECONFIG decides what every context naming that user runs.',
            fix: 'Give every cluster, user and context a unique name; keep each context’s cluster and user in the same file; do not merge kubeconfigs from different owners.',
            bad: "clusters:\n- name: prod\n  cluster:\n    server: https://prod.example.com:6443\n    certificate-authority-data: <base64 CA>\ncontexts:\n- name: prod\n  context: {cluster: prod, user: deployer}\nusers:\n- name: deployer\n  user:\n    token: <token>\n- name: deployer\n  user:\n    client-certificate-data: <base64>\n    client-key-data: <base64>",
            good: "clusters:\n- name: prod\n  cluster:\n    server: https://prod.example.com:6443\n    certificate-authority-data: <base64 CA>\ncontexts:\n- name: prod\n  context: {cluster: prod, user: deployer}\nusers:\n- name: deployer\n  user:\n    token: <token>",
            references: [K8S_WARNING],
        },
    },
};
// Judged once per (resource, field, text): the KCF rules and the credential-error pass both ask.
const JUDGED = new WeakMap();
/** Parses and judges one embedded kubeconfig (once; later calls for the same source get the same answer). */
export function judgeKubeconfigSource(source) {
    if (source.judged)
        return source.judged;
    const key = `${pathToString(source.path)}|${source.consumer ?? ''}`;
    let byField = JUDGED.get(source.resource);
    const hit = byField?.get(key);
    if (hit && hit.text === source.text)
        return hit.scan;
    const scan = judgeUncached(source);
    if (!byField)
        JUDGED.set(source.resource, (byField = new Map()));
    byField.set(key, { text: source.text, scan });
    return scan;
}
function judgeUncached(source) {
    const label = `${source.resource.kind} ${source.resource.namespace ? `${source.resource.namespace}/` : ''}${source.resource.name} ${pathToString(source.path)}`;
    const parsed = parseKubeconfig(source.text, { file: label });
    const findings = parsed.ok ? judgeKubeconfig(parsed, { origin: { kind: 'secret', consumer: source.consumer } }) : [];
    return { findings, errors: [...parsed.errors] };
}
/** Turns a kubeconfig finding into the engine's report input, pointing at the resource field that holds the kubeconfig. */
export function toReportInput(f, source) {
    const evidence = [{ role: 'kubeconfig-field', description: `${f.path} (${f.subject.kind} ${JSON.stringify(f.subject.name)}) in the kubeconfig at ${pathToString(source.path)}` }];
    if (f.istiodRejects)
        evidence.push({ role: 'istiod', description: ISTIOD_REJECTS_TEXT });
    for (const e of f.evidence)
        evidence.push(e);
    return {
        resource: source.resource,
        path: source.path,
        message: `kubeconfig in ${pathToString(source.path)}: ${f.message}`,
        severity: f.severity,
        evidence,
        key: `${pathToString(source.path)}|${f.key}`,
    };
}
export const ISTIOD_REJECTS_TEXT = 'istiod 1.13+ refuses this kubeconfig (the whole remote secret) unless PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS allows the field';
/**
 * The KCF rules as engine rules. Each rule reports its own findings; the kubeconfigs of a model are
 * extracted and judged once and shared by all twelve. Without an extractor the rules find nothing in
 * scans (they still list, explain and document themselves).
 */
export function makeKubeconfigRules(extract) {
    const memo = new WeakMap();
    const inputsFor = (model) => {
        let byRule = memo.get(model);
        if (byRule)
            return byRule;
        byRule = new Map();
        memo.set(model, byRule);
        if (!extract)
            return byRule;
        for (const source of extract(model)) {
            for (const f of judgeKubeconfigSource(source).findings) {
                const list = byRule.get(f.id);
                const input = toReportInput(f, source);
                if (list)
                    list.push(input);
                else
                    byRule.set(f.id, [input]);
            }
        }
        return byRule;
    };
    return Object.keys(KCF_META).sort().map((id) => ({
        meta: KCF_META[id],
        check({ model, report }) {
            for (const input of inputsFor(model).get(id) ?? [])
                report(input);
        },
    }));
}
/**
 * The KCF rules with no Secret extraction yet: they list and document themselves; in scans they find
 * nothing until the credential-Secret extractor is passed to `makeKubeconfigRules`.
 */
export const kubeconfigRules = makeKubeconfigRules(null);
