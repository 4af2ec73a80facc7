import FED001 from './FED001-gateway-passes-unimported-hosts.js';
import FED002 from './FED002-export-without-importer-policy.js';
import FED003 from './FED003-peer-destinationrule-without-san.js';
import FED004 from './FED004-import-from-unknown-gateway.js';
import FED005 from './FED005-trust-alias-wider-than-plan.js';
/** FED rules: the federation configuration that exists between meshes; one rule per file. */
export const rules = [FED001, FED002, FED003, FED004, FED005];
