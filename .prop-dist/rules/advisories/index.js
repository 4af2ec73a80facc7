import ADV001 from './ADV001-vulnerable-version.js';
import ADV002 from './ADV002-end-of-life-minor.js';
import ADV003 from './ADV003-version-skew.js';
import ADV004 from './ADV004-unknown-version.js';
/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules = [ADV001, ADV002, ADV003, ADV004];
