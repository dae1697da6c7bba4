// Waits until the server answers, so a just-started server is not a failure.
export default async function globalSetup() {
  const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/login`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${base} did not answer within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
