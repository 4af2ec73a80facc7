import BYP001 from './BYP001-proxy-uid-gid.js';
import BYP002 from './BYP002-proxy-impersonation.js';
import BYP003 from './BYP003-iptables-capabilities.js';
import BYP004 from './BYP004-istio-init-needs-net-admin.js';
import BYP005 from './BYP005-host-network.js';
import BYP006 from './BYP006-capture-exclusions.js';
import BYP007 from './BYP007-injection-disabled.js';
import BYP008 from './BYP008-namespace-outside-mesh.js';
import BYP009 from './BYP009-pod-security-not-enforced.js';
import BYP010 from './BYP010-istio-container-shape.js';
import BYP011 from './BYP011-several-injection-labels.js';
import BYP012 from './BYP012-pod-missing-proxy.js';
import BYP013 from './BYP013-proxy-image-differs.js';
import BYP014 from './BYP014-overlapping-injection-webhooks.js';
import BYP015 from './BYP015-injection-webhook-missing-service.js';
import BYP030 from './BYP030-external-service-skips-gateway.js';
/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules = [BYP001, BYP002, BYP003, BYP004, BYP005, BYP006, BYP007, BYP008, BYP009, BYP010, BYP011, BYP012, BYP013, BYP014, BYP015, BYP030];
