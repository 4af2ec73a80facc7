import type { Rule } from '../types.js';
import HJK001 from './HJK001-mesh-virtualservice-hijack.js';
import HJK002 from './HJK002-shared-gateway-virtualservice.js';
import HJK003 from './HJK003-serviceentry-shadows-host.js';
import HJK004 from './HJK004-destinationrule-foreign-host.js';
import HJK005 from './HJK005-gateway-hosts-any-namespace.js';
import HJK006 from './HJK006-tenant-gateway-selects-shared-pods.js';
import HJK007 from './HJK007-gateway-api-route-hostnames.js';
import HJK008 from './HJK008-shared-listener-all-namespaces.js';
import HJK009 from './HJK009-referencegrant-other-tenants.js';
import HJK010 from './HJK010-proxy-extension-scope.js';
import HJK011 from './HJK011-sidecar-imports-everything.js';
import HJK012 from './HJK012-mesh-export-defaults.js';
import HJK013 from './HJK013-rbac-mesh-config-writers.js';
import HJK014 from './HJK014-several-namespace-wide-sidecars.js';
import HJK015 from './HJK015-sidecar-selectors-overlap.js';
import HJK016 from './HJK016-sidecar-on-ambient.js';
import HJK017 from './HJK017-conflicting-gateways.js';
import HJK018 from './HJK018-wasm-module-unpinned.js';
import HJK019 from './HJK019-rbac-control-plane-takeover.js';

/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules: Rule[] = [HJK001, HJK002, HJK003, HJK004, HJK005, HJK006, HJK007, HJK008, HJK009, HJK010, HJK011, HJK012, HJK013, HJK014, HJK015, HJK016, HJK017, HJK018, HJK019];
