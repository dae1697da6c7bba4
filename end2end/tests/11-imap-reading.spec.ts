// The reading spec (reading.ts) and the compose spec against 山田's IMAP
// account on iris's mailbox, which 10-imap made: the same screen, keys and
// forms as for the POP account, hydrated and without JavaScript, while
// the mail stays on the server. Then an IMAP account that signs in with
// XOAUTH2 through the authorization server 09-oauth registered.
import type { Page } from "@playwright/test";
import { test, expect, hydrated, login, USER } from "./common";
import { composeSpec, plainComposeSpec } from "./compose";
import { env, SERVER_NAME, signInAtServer } from "./oauth";
import { plainSpec, readingSpec, type Source } from "./reading";
import { deliver } from "./smtp";

const IRIS = "iris@example.test";

async function imapSource(page: Page): Promise<Source> {
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/mail/accounts");
  await hydrated(page);
  const edit = await page.locator("[data-testid=account-row][data-name=IMAP]").getByTestId("account-edit").getAttribute("href");
  const id = Number(edit?.split("/").pop());
  expect(id).toBeGreaterThan(0);
  await page.context().clearCookies();
  return { address: IRIS, screen: `/mail?account=${id}`, receives: false };
}

test("IMAP: legacy Japanese, hostile HTML, attachments, search, folders and keys; then without JavaScript", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const src = await imapSource(page);
  const marker = `ird-${Date.now()}`;
  await readingSpec(page, src, marker);
  await plainSpec(browser, src, marker);
});

test("IMAP: write, attach, send, receive it back, reply and keep drafts", async ({ page }) => {
  test.setTimeout(150_000);
  const src = await imapSource(page);
  await composeSpec(page, src, `icp-${Date.now()}`);
});

test("IMAP: write, attach, save a draft and send without JavaScript", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const src = await imapSource(page);
  await plainComposeSpec(browser, src, `ipcp-${Date.now()}`);
});

test("IMAP over XOAUTH2: an own server, [認証] at the authorization server, then the mailbox", async ({ page }) => {
  test.setTimeout(90_000);
  const marker = `ixo-${Date.now()}`;
  const ERIN = "erin@example.test";
  await deliver(Number(env("MS_SMTP_PORT")), ERIN, [{ subject: `トークンでIMAP ${marker}`, body: "XOAUTH2 で読む本文です。" }]);
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/mail/accounts/new");
  await expect(page.getByTestId("account-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("f-kind-imap").check();
  await page.getByTestId("recv_source-own").check();
  await page.getByTestId("f-imap-host").fill("localhost");
  await page.getByTestId("f-imap-port").fill(env("MS_IMAPS_PORT"));
  await page.getByTestId("f-imap-protection").selectOption("ssl");
  await page.getByTestId("f-name").fill(`IMAPトークン ${marker.slice(-5)}`);
  await page.getByTestId("f-email").fill(ERIN);
  await page.getByTestId("f-pop-user").fill(ERIN);
  await page.getByTestId("f-auth-xoauth2").check();
  await page.getByTestId("f-oauth-server").selectOption({ label: SERVER_NAME });
  await page.getByTestId("account-save").click();

  await expect(page.getByTestId("oauth-sign-in")).toBeVisible();
  const id = new URL(page.url()).pathname.split("/").pop()!;
  expect(id).toMatch(/^\d+$/);
  // Before the sign-in the screen says so instead of a list.
  await page.goto(`/mail?account=${id}`);
  await expect(page.locator("main")).toContainText("再認証が必要です");
  await expect(page.getByTestId("message-row")).toHaveCount(0);
  await page.goto(`/mail/accounts/${id}`);
  await hydrated(page);
  await page.getByTestId("oauth-sign-in").click();
  await signInAtServer(page, ERIN);
  await page.waitForURL(`**/mail/accounts/${id}?oauth=ok`);
  await expect(page.getByTestId("oauth-signed-in-as")).toHaveText(ERIN);

  await page.goto(`/mail?account=${id}`);
  await hydrated(page);
  const row = page.getByTestId("message-row").filter({ hasText: `トークンでIMAP ${marker}` });
  await expect(row).toBeVisible();
  await row.getByTestId("message-subject").click();
  await expect(page.getByTestId("mail-text")).toContainText("XOAUTH2 で読む本文です。");
});
