/** HTTPS port the server listens on by default (and the container port the Deployment opens). */
export const WEBHOOK_DEFAULT_PORT = 8443;
/** Paths the server answers. */
export const WEBHOOK_PATHS = {
    validate: '/validate',
    healthz: '/healthz',
    readyz: '/readyz',
    metrics: '/metrics',
};
/** Namespace label that overrides the mode per namespace. */
export const ADMISSION_MODE_LABEL = 'meshward.io/admission';
