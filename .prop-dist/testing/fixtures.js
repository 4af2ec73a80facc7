/** Manifest snippets shared by rule tests: the same text everywhere, so line numbers stay comparable. */
/** Namespaces with sidecar injection on, as multi-document YAML. */
export function injectedNamespaces(...names) {
    return names.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}, labels: {istio-injection: enabled}}\n`).join('---\n');
}
/** A Service on port 80. */
export function service(name, namespace) {
    return `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: {ports: [{port: 80}]}\n`;
}
