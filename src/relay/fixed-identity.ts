/** `--cert/--key`: credentials issued out of band, used as they are (whoever issued them renews them). */
import type { AgentCredentials, AgentIdentity } from './identity-types.js';

export function fixedAgentIdentity(cluster: string, creds: AgentCredentials): AgentIdentity {
  return {
    cluster,
    current: () => creds,
    renewIfDue: async () => false,
    onRenewed: () => () => undefined,
  };
}
