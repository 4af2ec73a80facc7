/**
 * The seed of a fast-check property test. On developers' machines a random one (fast-check prints it
 * with any counterexample, to replay with the variable); in CI one fixed seed, so that a rare
 * counterexample found elsewhere does not fail an unrelated change there (it is then fixed and kept
 * as a shrunk regression test beside the property).
 */
export const CI_PROPERTY_SEED = 20261204;

/** `variable`'s seed when set, else the fixed CI seed under CI=true, else undefined (random). */
export function propertySeed(variable: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[variable];
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw new Error(`${variable}: "${raw}" is not a whole number (a fast-check seed)`);
    return n;
  }
  return env.CI ? CI_PROPERTY_SEED : undefined;
}
