/** Poll `ok` every 20 ms until it holds; throws after `ms` (a test's wait for a file or a state another process makes). */
export async function waitFor(ok: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
