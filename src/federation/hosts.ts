/**
 * Names the federation plan gives services, apart from src/federation/plan.ts: the FED rules run in every
 * scan (and in every live analysis worker), and plan.ts loads @peculiar/x509, tsyringe, reflect-metadata
 * and zod, about 0.5 s of start-up per thread that only `federate` and `--federation-plan` need.
 */
import type { PlanExport, PlanMesh } from './plan.js';

/** The exporter's own name of an exported service. */
export function exportedHost(m: PlanMesh, e: PlanExport): string {
  return `${e.service}.${e.namespace}.svc.${m.clusterDomain}`;
}
