// The reading spec (reading.ts) against 山田's POP account on frank's
// mailbox, which 06-webmail gave them: mail received into the store, then
// read hydrated and without JavaScript. 11-imap-reading runs the same
// against the IMAP account.
import { test } from "./common";
import { fetchAll } from "./pop3";
import { plainSpec, port, readingSpec, type Source } from "./reading";

const FRANK = { address: "frank@example.test", password: "frankpass" };
const POP: Source = { address: FRANK.address, screen: "/mail", receives: true };

test("POP: legacy Japanese, hostile HTML, attachments, search, folders and keys; then without JavaScript", async ({ page, browser }) => {
  test.setTimeout(180_000);
  // What earlier specs left on the server need not be received again.
  await fetchAll(port("MS_POP3_PORT"), FRANK.address, FRANK.password, { dele: true });
  const marker = `rd-${Date.now()}`;
  await readingSpec(page, POP, marker);
  await plainSpec(browser, POP, marker);
});
