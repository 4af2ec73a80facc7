/**
 * The Node options the relay's Deployments run the agent and the server with (`NODE_OPTIONS`;
 * `meshward generate agent` / `generate server` and charts/meshward put them in the container's
 * environment; bench/relay-fleet.js starts its simulated agents and its servers with the same, so it
 * measures them as deployed). V8 reads these only when the heap is made, so they cannot be set from
 * inside the process (v8.setFlagsFromString has no effect on them): hence the environment.
 */

/**
 * The agent: a 64 MB young generation (Node 20's default semi-space is 16 MB). At start and on every
 * resync the agent lists the cluster into its cache and then serializes a snapshot part of up to 5,000
 * objects (about 10 MB of JSON, kept until the part is compressed and sent). With the default young
 * generation that text, and the freshly listed objects, outlive a scavenge or two and are copied each
 * time; with 64 MB most of a part's text dies where it was made. Measured on the snapshot path alone
 * (10 caches of 20,000 objects, three snapshots each, gzip included): 7.0 → 6.3 µs of CPU an object,
 * time in garbage collection 650 → 490 ms, RSS lower (831 → 708 MB).
 */
export const AGENT_NODE_OPTIONS = '--max-semi-space-size=64';

/**
 * The server: the same 64 MB semi-spaces for its event loop. In an ingest the event loop takes every
 * decoded part (5,000 keys and serialized bodies, about 2 MB of strings) from a decoder thread and
 * writes it in one transaction; with the default 16 MB semi-spaces a part is still alive at most
 * scavenges and is copied, and V8's helper threads did as much work copying as the decoder did
 * decoding. Measured with the fleet bench (60 clusters × 20,000 objects, four runs each, alternating;
 * decoder threads at 192 MB, src/server/ingest-decoder.ts): the server's CPU in the ingest 30.1 → 24.6
 * s on average (−18%), peak RSS about 300 MB higher (2.2 → 2.5 GB with the first analyses of 60
 * clusters). The webhook is not run with it: there it raised RSS and did not help p99 (docs/webhook.md).
 */
export const SERVER_NODE_OPTIONS = '--max-semi-space-size=64';
