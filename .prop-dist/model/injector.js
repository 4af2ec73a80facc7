import yaml from 'js-yaml';
import { isObject } from './workloads.js';
/** The ConfigMap's `config` key (YAML): policy and neverInjectSelector. A hostile one is ignored. */
function injectionConfigOf(text) {
    const none = { policy: null, neverInjectSelector: [] };
    if (typeof text !== 'string' || text.length > MAX_VALUES)
        return none;
    let cfg;
    try {
        // The config also holds the injection templates (Go templates as YAML strings): only two keys are read.
        cfg = yaml.load(text, { schema: yaml.CORE_SCHEMA });
    }
    catch {
        return none;
    }
    if (!isObject(cfg))
        return none;
    const policy = cfg.policy === 'enabled' || cfg.policy === 'disabled' ? cfg.policy : null;
    return { policy, neverInjectSelector: Array.isArray(cfg.neverInjectSelector) ? cfg.neverInjectSelector.slice(0, 100) : [] };
}
/** Pod annotation the injection template writes ← the `global.proxy` value it copies. */
const CAPTURE_VALUES = [
    ['traffic.sidecar.istio.io/excludeOutboundIPRanges', 'excludeIPRanges'],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', 'includeIPRanges'],
    ['traffic.sidecar.istio.io/excludeInboundPorts', 'excludeInboundPorts'],
    ['traffic.sidecar.istio.io/includeInboundPorts', 'includeInboundPorts'],
    ['traffic.sidecar.istio.io/excludeOutboundPorts', 'excludeOutboundPorts'],
];
function captureDefaultsOf(values, base) {
    const out = new Map();
    const proxy = isObject(values.global) && isObject(values.global.proxy) ? values.global.proxy : null;
    if (!proxy)
        return out;
    for (const [annotation, key] of CAPTURE_VALUES) {
        const v = proxy[key];
        if (typeof v === 'string' && v.trim() !== '' && v.length <= 64 * 1024) {
            out.set(annotation, { value: v, valuesKey: `global.proxy.${key}`, path: base ? [...base, 'global', 'proxy', key] : ['data', 'values'] });
        }
    }
    return out;
}
const CM_PREFIX = 'istio-sidecar-injector';
/** A hostile ConfigMap can be huge; the chart's values are a few kilobytes. */
const MAX_VALUES = 1024 * 1024;
/** Is this the injector ConfigMap of some revision? */
export function isInjectorConfigMap(r) {
    return r.kind === 'ConfigMap' && r.group === '' && (r.name === CM_PREFIX || r.name.startsWith(`${CM_PREFIX}-`));
}
/**
 * Injector settings per revision ('' = default). A ConfigMap wins over an IstioOperator for the same
 * revision (it is what istiod actually reads); among several for one revision the first in input order
 * is kept.
 */
export function injectorsFrom(configMaps, operators) {
    const out = new Map();
    for (const cm of configMaps) {
        if (!isInjectorConfigMap(cm))
            continue;
        const info = fromConfigMap(cm);
        if (info && !out.has(info.revision))
            out.set(info.revision, info);
    }
    for (const iop of operators) {
        const info = fromOperator(iop);
        if (info && !out.has(info.revision))
            out.set(info.revision, info);
    }
    return out;
}
function fromConfigMap(cm) {
    const text = cm.obj?.data?.values;
    if (typeof text !== 'string' || text.length > MAX_VALUES)
        return null;
    let values;
    try {
        values = JSON.parse(text);
    }
    catch {
        return null; // not the chart's JSON: nothing known
    }
    if (!isObject(values))
        return null;
    const suffix = cm.name.length > CM_PREFIX.length ? cm.name.slice(CM_PREFIX.length + 1) : '';
    const revision = typeof values.revision === 'string' ? values.revision : suffix;
    return {
        resource: cm,
        origin: 'configmap',
        revision,
        enableNamespacesByDefault: isObject(values.sidecarInjectorWebhook) && values.sidecarInjectorWebhook.enableNamespacesByDefault === true,
        enablePath: ['data', 'values'],
        proxyImage: proxyImageOf(values, null, null),
        imagePath: ['data', 'values'],
        cni: cniOf(values),
        captureDefaults: captureDefaultsOf(values, null),
        ...injectionConfigOf(cm.obj?.data?.config),
    };
}
function fromOperator(iop) {
    if (iop.kind !== 'IstioOperator' || iop.group !== 'install.istio.io')
        return null;
    const spec = iop.obj?.spec;
    if (!isObject(spec))
        return null;
    const values = isObject(spec.values) ? spec.values : {};
    const revision = typeof spec.revision === 'string' ? spec.revision : typeof values.revision === 'string' ? values.revision : '';
    const webhook = isObject(values.sidecarInjectorWebhook) ? values.sidecarInjectorWebhook : null;
    const componentsCni = isObject(spec.components) && isObject(spec.components.cni) ? spec.components.cni.enabled : undefined;
    const cni = cniOf(values) ?? (typeof componentsCni === 'boolean' ? componentsCni : null);
    return {
        resource: iop,
        origin: 'istiooperator',
        revision,
        enableNamespacesByDefault: webhook?.enableNamespacesByDefault === true,
        enablePath: webhook && 'enableNamespacesByDefault' in webhook ? ['spec', 'values', 'sidecarInjectorWebhook', 'enableNamespacesByDefault'] : ['spec'],
        proxyImage: proxyImageOf(values, typeof spec.hub === 'string' ? spec.hub : null, typeof spec.tag === 'string' ? spec.tag : null),
        imagePath: ['spec'],
        cni,
        captureDefaults: captureDefaultsOf(values, ['spec', 'values']),
        policy: autoInjectOf(values),
        neverInjectSelector: webhook && Array.isArray(webhook.neverInjectSelector) ? webhook.neverInjectSelector.slice(0, 100) : [],
    };
}
function autoInjectOf(values) {
    const v = isObject(values.global) && isObject(values.global.proxy) ? values.global.proxy.autoInject : undefined;
    return v === 'enabled' || v === 'disabled' ? v : null;
}
function cniOf(values) {
    const a = isObject(values.istio_cni) ? values.istio_cni.enabled : undefined;
    const b = isObject(values.pilot) && isObject(values.pilot.cni) ? values.pilot.cni.enabled : undefined;
    if (a === true || b === true)
        return true;
    if (a === false || b === false)
        return false;
    return null;
}
/**
 * The image the injection template writes for istio-proxy: `global.proxy.image` as is when it holds
 * a `/` (a full reference), else `global.hub/<image or proxyv2>:global.tag`, with `-<variant>`
 * appended for `global.variant` (e.g. distroless). Null when hub or tag is unknown.
 */
function proxyImageOf(values, hubOverride, tagOverride) {
    const g = isObject(values.global) ? values.global : {};
    const proxy = isObject(g.proxy) ? g.proxy : {};
    const image = typeof proxy.image === 'string' && proxy.image ? proxy.image : 'proxyv2';
    if (image.includes('/'))
        return image.length <= 1024 ? image : null;
    const hub = typeof g.hub === 'string' && g.hub ? g.hub : hubOverride;
    const rawTag = typeof g.tag === 'string' && g.tag ? g.tag : tagOverride;
    if (!hub || !rawTag || hub.length > 512 || rawTag.length > 128)
        return null;
    const variant = typeof g.variant === 'string' && g.variant && g.variant !== 'default' ? g.variant : null;
    return `${hub}/${image}:${variant ? `${rawTag}-${variant}` : rawTag}`;
}
