import type { Reporter } from './types.js';
import { textReporter, compactReporter } from './text.js';
import { jsonReporter } from './json.js';
import { sarifReporter } from './sarif.js';
import { junitReporter } from './junit.js';
import { gitlabReporter } from './gitlab.js';

export const FORMATS = ['text', 'compact', 'json', 'sarif', 'junit', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

export const REPORTERS: Record<Format, Reporter> = {
  text: textReporter,
  compact: compactReporter,
  json: jsonReporter,
  sarif: sarifReporter,
  junit: junitReporter,
  gitlab: gitlabReporter,
};
