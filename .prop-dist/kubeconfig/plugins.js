/**
 * The one list of well-known exec credential plugins, and the argument shape each uses to fetch a token.
 *
 * The judge uses the names to grade an exec block (a common cloud login plugin in your own kubeconfig is
 * expected; anything else is not). The live gate (src/cluster/gate.ts) uses the shapes: a listed plugin
 * runs without `--allow-exec` only when its arguments are that plugin's token-fetching subcommand, so
 * `aws s3 cp ...` or `gcloud compute ssh ...` in a kubeconfig never runs on the strength of the name.
 */
export const CREDENTIAL_PLUGINS = [
    { name: 'aws', shapes: [['eks', 'get-token']], globalValueOptions: ['--region', '--profile', '--output'], example: 'aws eks get-token --cluster-name NAME' },
    { name: 'aws-iam-authenticator', shapes: [['token']], example: 'aws-iam-authenticator token -i NAME' },
    { name: 'gke-gcloud-auth-plugin', shapes: [[]], example: 'gke-gcloud-auth-plugin' },
    { name: 'gcloud', shapes: [['config', 'config-helper']], example: 'gcloud config config-helper --format=json' },
    { name: 'kubelogin', shapes: [['get-token']], example: 'kubelogin get-token --server-id ID ...' },
    { name: 'kubectl', shapes: [['oidc-login', 'get-token']], example: 'kubectl oidc-login get-token --oidc-issuer-url=URL ...' },
    { name: 'kubectl-oidc_login', shapes: [['get-token']], example: 'kubectl-oidc_login get-token --oidc-issuer-url=URL ...' },
    { name: 'az', shapes: [['account', 'get-access-token']], example: 'az account get-access-token --resource ID' },
    { name: 'doctl', shapes: [['kubernetes', 'cluster', 'kubeconfig', 'exec-credential']], trailing: 1, example: 'doctl kubernetes cluster kubeconfig exec-credential --version=v1beta1 CLUSTER-ID' },
    { name: 'oci', shapes: [['ce', 'cluster', 'generate-token']], example: 'oci ce cluster generate-token --cluster-id ID' },
    { name: 'tsh', shapes: [['kube', 'credentials']], example: 'tsh kube credentials --kube-cluster=NAME' },
    { name: 'pinniped', shapes: [['login', 'oidc'], ['login', 'static']], example: 'pinniped login oidc --issuer=URL ...' },
    { name: 'argocd-k8s-auth', shapes: [['aws'], ['gcp'], ['azure']], example: 'argocd-k8s-auth aws --cluster-name NAME' },
    // IBM Cloud's plugin has no documented token-only subcommand: named here so the judge grades it as a
    // cloud plugin, but the gate always asks for --allow-exec.
    { name: 'ibmcloud', shapes: null, example: '(none: needs --allow-exec ibmcloud)' },
];
const BY_NAME = new Map(CREDENTIAL_PLUGINS.map((p) => [p.name, p]));
/** The plugin entry for a command basename (case-insensitive), or undefined. */
export function credentialPlugin(basename) {
    return BY_NAME.get(basename.toLowerCase());
}
/** Names only, for the judge's grading. */
export const WELL_KNOWN_PLUGIN_NAMES = new Set(BY_NAME.keys());
// A file:// argument makes some CLIs (aws --cli-input-json file://...) read a local file into the request.
const FILE_URL = /^(file|fileb):\/\//i;
const SHELL_META = /[;&|`<>\n\r]|\$\(|\$\{/;
/**
 * Whether `args` are the plugin's token-fetching shape: options (`-x`, `--x`, `--x=v`, `--x v`) anywhere,
 * and the positional words exactly one alternative's subcommand words in order, plus at most `trailing`
 * positionals after them. Every argument must be a plain string without shell metacharacters or file URLs.
 */
export function matchesTokenShape(plugin, args) {
    if (!plugin.shapes)
        return false;
    if (args.length > 64)
        return false;
    for (const a of args) {
        if (typeof a !== 'string' || a.length > 2048 || SHELL_META.test(a) || FILE_URL.test(a) || FILE_URL.test(a.slice(a.indexOf('=') + 1)))
            return false;
    }
    const strings = args;
    return plugin.shapes.some((words) => shapeFits(words, strings, plugin.trailing ?? 0, plugin.globalValueOptions ?? []));
}
function shapeFits(words, args, trailing, globalValueOptions) {
    let next = 0;
    let extra = 0;
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a.startsWith('-') && a.length > 1) {
            // `--opt value`: after the subcommand any option may take the next argument as its value; before
            // it only the plugin's known global options may (others must be written `--opt=value`).
            const following = args[i + 1];
            const takesValue = next === words.length || globalValueOptions.includes(a);
            if (takesValue && !a.includes('=') && following !== undefined && !following.startsWith('-') && following !== words[next])
                i++;
            continue;
        }
        if (next < words.length && a === words[next]) {
            next++;
            continue;
        }
        if (next < words.length)
            return false; // a positional before the subcommand is complete: another command
        if (++extra > trailing)
            return false;
    }
    return next === words.length;
}
