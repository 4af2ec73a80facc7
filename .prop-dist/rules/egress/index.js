import EGR001 from './EGR001-mesh-allow-any.js';
import EGR002 from './EGR002-sidecar-allow-any.js';
import EGR003 from './EGR003-namespace-no-egress-netpol.js';
import EGR004 from './EGR004-netpol-egress-open.js';
import EGR005 from './EGR005-serviceentry-wildcard-none.js';
import EGR006 from './EGR006-serviceentry-none-tcp-port-match.js';
import EGR007 from './EGR007-serviceentry-cloud-metadata.js';
/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules = [EGR001, EGR002, EGR003, EGR004, EGR005, EGR006, EGR007];
