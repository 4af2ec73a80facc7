/**
 * The agent side of identity (implemented in src/relay/enroll.ts): the agent's own key, generated
 * where it runs and never sent anywhere; the client certificate the server issued for it; renewal
 * before expiry. The agent's transport (src/relay/transport.ts) asks `current()` for each new
 * connection, so a renewed certificate is used from the next connection on.
 */
export {};
