/**
 * The in-memory ClusterCache the webhook's tests run against until (and besides) the informer-backed
 * one: objects applied and removed by hand, synced when the test says so.
 */
export { ObjectCache as StaticCache } from '../webhook/object-cache.js';
