/** Whether GitHub failed in a way that may have happened after the write took effect. */
export function mayHaveSucceeded(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  // 5xx: GitHub may have written before failing; no status: the connection broke mid-request.
  return typeof status !== "number" || status >= 500;
}

/**
 * Creates something GitHub cannot create idempotently (a deployment, a check run) at most
 * once. The create itself is never retried blindly: after a failure that may hide a
 * success, `find` looks for what the first attempt left (by its marker), and only when
 * nothing is there is the create tried again.
 */
export async function createOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>, attempts = 2): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (attempt >= attempts || !mayHaveSucceeded(error)) throw error;
      const existing = await find();
      if (existing !== undefined) return existing;
    }
  }
}
