/** Stops what the global set-up started for this run (the local Kafka broker is left for reuse). */
export default async function globalTeardown(): Promise<void> {
  const teardowns = (globalThis as { __CRM_TEARDOWNS__?: Array<() => Promise<void>> }).__CRM_TEARDOWNS__ ?? [];
  for (const teardown of teardowns.reverse()) await teardown();
}
