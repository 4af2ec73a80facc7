/**
 * Kind lists rules share in their `reads`. The model answers `workloadsIn`, `dataplaneOf` and
 * `selectWorkloads` from the workload kinds (src/model/workloads.ts), so a rule that asks those reads
 * them. src/rules/reads.test.ts holds every rule's `reads` to what its findings depend on.
 */
export const WORKLOAD_READS: readonly string[] = [
  'Pod',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'apps/ReplicaSet',
  'ReplicationController',
  'batch/Job',
  'batch/CronJob',
  'argoproj.io/Rollout',
  // Istio deploys a gateway's pods for each Gateway API Gateway of its classes: the model counts them as workloads.
  'gateway.networking.k8s.io/Gateway',
];
