export function fixedAgentIdentity(cluster, creds) {
    return {
        cluster,
        current: () => creds,
        renewIfDue: async () => false,
        onRenewed: () => () => undefined,
    };
}
