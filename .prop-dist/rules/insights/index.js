import INS001 from './INS001-plaintext-into-strict.js';
import INS002 from './INS002-plaintext-into-permissive.js';
import INS003 from './INS003-passthrough-egress.js';
import INS004 from './INS004-blackhole-egress.js';
import INS005 from './INS005-unmeshed-sources.js';
import INS006 from './INS006-forbidden-burst.js';
import INS007 from './INS007-foreign-trust-domain.js';
/** INS rules: configuration held against traffic (RuleContext.telemetry); one rule per file. */
export const rules = [INS001, INS002, INS003, INS004, INS005, INS006, INS007];
