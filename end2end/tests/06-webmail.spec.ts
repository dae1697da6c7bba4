// ウェブメール (POP): the admin enables webmail for a user and adds an account
// that uses 管理者設定 (the admin's POP3 server, set in 03-mail-server); the
// user presses 受信, follows the progress bar, then reads the list. Mail is
// put into the real Dovecot through the real Postfix first.
import { test, expect, hydrated, login, logout, ADMIN_NEW_PASSWORD, USER } from "./common";
import { fetchAll } from "./pop3";
import { deliver } from "./smtp";

const port = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh`);
  return Number(v);
};
const FRANK = { address: "frank@example.test", password: "frankpass" };
const COUNT = 150;

test("the admin enables webmail and adds an account; the user receives with a progress bar", async ({ page }) => {
  test.setTimeout(120_000);
  const marker = `wm-${Date.now()}`;
  await fetchAll(port("MS_POP3_PORT"), FRANK.address, FRANK.password, { dele: true });
  await deliver(
    port("MS_SMTP_PORT"),
    FRANK.address,
    Array.from({ length: COUNT }, (_, i) => ({
      subject: `便りの受信テスト ${marker} #${String(i).padStart(3, "0")}`,
      body: "受信の進み具合を確かめる本文です。\n".repeat(200 + ((i * 37) % 600)),
    })),
  );
  await expect
    .poll(async () => (await fetchAll(port("MS_POP3_PORT"), FRANK.address, FRANK.password)).length, { timeout: 30_000 })
    .toBe(COUNT);

  // ウェブメール > 機能管理 > アカウント設定: 利用させる for 山田.
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/webmail/users");
  await hydrated(page);
  const row = page.locator(`[data-testid=webmail-user][data-login="${USER.login}"]`);
  await expect(row.getByTestId("webmail-use")).toHaveText("利用させない");
  await row.getByTestId(`pick-${USER.login}`).check();
  await page.getByTestId("enable").click();
  await expect(row.getByTestId("webmail-use")).toHaveText("利用させる");

  // The user's accounts: アカウントの追加 with 管理者設定 for both servers.
  await row.getByTestId("user-accounts-link").click();
  await expect(page.getByTestId("no-accounts")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("account-add").click();
  await expect(page.getByTestId("account-form")).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId("form-owner")).toHaveText(USER.name);
  await expect(page.getByTestId("recv_source-admin")).toBeChecked();
  await expect(page.getByTestId("own-pop")).toBeHidden();
  // A bad address is refused at its field, in Japanese, and nothing is saved.
  await page.getByTestId("f-name").fill("会社");
  await page.getByTestId("f-email").fill("frank@example");
  await page.getByTestId("f-pop-user").fill(FRANK.address);
  await page.getByTestId("f-pop-password").fill(FRANK.password);
  await page.getByTestId("account-save").click();
  await expect(page.getByTestId("error-email")).toContainText("メールアドレスの形式が正しくありません");
  await page.getByTestId("f-email").fill(FRANK.address);
  // 個別に設定する reveals the server fields; back to 管理者設定.
  await page.getByTestId("recv_source-own").check();
  await expect(page.getByTestId("own-pop")).toBeVisible();
  await page.getByTestId("recv_source-admin").check();
  await page.getByTestId("f-log-receive-on").check();
  // サーバーに残す日数 0 is asked about first: the mail would be deleted
  // from the server right after receiving, as without 残す.
  await page.getByTestId("f-leave").check();
  await page.getByTestId("f-leave-days").fill("0");
  await expect(page.getByTestId("f-delete-now-ok")).toHaveCount(0);
  await page.getByTestId("f-pop-password").fill(FRANK.password);
  await page.getByTestId("account-save").click();
  await expect(page.getByTestId("error-leave_days")).toContainText("受信後すぐにサーバーから削除され");
  await expect(page.getByTestId("f-leave-days")).toHaveValue("0");
  await page.getByTestId("f-delete-now-ok").check();
  await page.getByTestId("f-pop-password").fill(FRANK.password);
  await page.getByTestId("account-save").click();
  const account = page.locator("[data-testid=account-row][data-name=会社]");
  await expect(account).toBeVisible();
  await expect(account.getByTestId("default-mark")).toBeVisible();
  // 削除 asks first (data-confirm, no inline script); declining keeps it.
  await hydrated(page);
  const asked: string[] = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await account.getByTestId("account-delete").click();
  await expect.poll(() => asked).toEqual(["このアカウントと受信済みのメールを削除しますか？"]);
  await expect(account).toBeVisible();
  // The password never comes back to the browser.
  expect(await page.content()).not.toContain(FRANK.password);
  await logout(page);

  // The user: ウェブメール, 受信, the progress bar, then the messages.
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.getByTestId("nav-webmail").click();
  await expect(page.getByTestId("no-messages")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("receive").click();
  await expect(page.getByTestId("receive-bar")).toBeVisible();
  await expect(page.getByTestId("receive-count")).toHaveText(new RegExp(`^\\d+ / ${COUNT}$`), { timeout: 30_000 });
  await expect(page.getByTestId("receive-progress")).toBeHidden({ timeout: 60_000 });
  // Pages of 50, newest first: #149 on top, three pages in all.
  await expect(page.getByTestId("message-row")).toHaveCount(50);
  await expect(page.getByTestId("message-subject").first()).toContainText(`便りの受信テスト ${marker} #149`);
  await expect(page.getByTestId("folder-inbox").getByTestId("unread-count")).toHaveText("150");
  await page.getByTestId("next-page").click();
  await expect(page.getByTestId("message-subject").first()).toContainText(`#099`);
  await page.getByTestId("next-page").click();
  await expect(page.getByTestId("message-subject").last()).toContainText(`#000`);
  await expect(page.getByTestId("next-page")).toHaveCount(0);
  await page.getByTestId("first-page").click();
  await expect(page.getByTestId("message-subject").first()).toContainText(`#149`);
  // Opening one reads it: the count goes down without reloading the list.
  await page.getByTestId("message-subject").first().click();
  await expect(page.getByTestId("message-title")).toContainText(`#149`);
  await expect(page.getByTestId("folder-inbox").getByTestId("unread-count")).toHaveText("149");
  await expect(page.getByTestId("last-received")).not.toHaveText("未受信");
  await expect(page.getByTestId("receive-error")).toHaveCount(0);
  // Not left on the server: Dovecot's mailbox is empty now.
  expect(await fetchAll(port("MS_POP3_PORT"), FRANK.address, FRANK.password)).toHaveLength(0);

  // 受信時のログ: the dialogue, with the password masked.
  await page.getByTestId("account-log").first().click();
  const log = page.getByTestId("receive-log");
  await expect(log).toContainText("USER frank@example.test");
  await expect(log).toContainText("PASS ********");
  await expect(log).not.toContainText(FRANK.password);
});

test("another user's account is not theirs to see", async ({ page }) => {
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  const res = await page.request.post("/api/account_log", { form: { id: "999999" } });
  expect(res.status()).toBe(404);
  const admin = await page.request.post("/api/webmail_users", { form: {} });
  expect(admin.status()).toBe(403);
});

// Pages are the server's; each area's bundle runs only that area's islands.
// Pages without an island (home, mail, schedule) share the small core
// bundle, and moves between them stay in the page (its body is swapped);
// 作成 and the admin pages load their own (back works too).
test("home and schedule share the core bundle and move in the page; mail and compose load their own", async ({ page }) => {
  const bundles = () =>
    page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name.split("/").pop()).filter((n) => n!.endsWith(".wasm")));
  const stayed = () => page.evaluate(() => (window as unknown as { stay?: number }).stay);
  const stay = (n: number) => page.evaluate((n) => ((window as unknown as { stay: number }).stay = n), n);
  const wasm = page.waitForResponse((r) => r.url().endsWith("/pkg/tayori-core_bg.wasm"));
  await login(page, USER.login, USER.newPassword);
  // The bundle travels compressed (the copy build-site.sh made) and is
  // revalidated on each use.
  const sent = await wasm;
  expect(await sent.headerValue("content-encoding")).toMatch(/^(br|gzip)$/);
  expect(await sent.headerValue("cache-control")).toBe("no-cache");
  const travelled = (await sent.request().sizes()).responseBodySize;
  expect(travelled).toBeGreaterThan(0);
  expect(travelled).toBeLessThan((await sent.body()).length / 2);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await hydrated(page);
  expect(await bundles()).toEqual(["tayori-core_bg.wasm"]);
  // A new page would lose this.
  await stay(1);
  await page.getByTestId("nav-schedule").click();
  await expect(page.getByTestId("view-week")).toBeVisible();
  expect(await stayed()).toBe(1);

  // The mail screen runs in its own bundle.
  await page.getByTestId("nav-webmail").click();
  await expect(page.getByTestId("receive")).toBeVisible();
  await hydrated(page);
  expect(await bundles()).toEqual(["tayori-mail_bg.wasm"]);
  expect(await stayed()).toBeUndefined();
  await stay(2);
  // The list scrolls on its own; opening a message and 戻る leave it
  // where it was, within the page.
  const list = page.getByTestId("list-pane");
  await list.evaluate((el) => el.scrollTo(0, 300));
  await page.getByTestId("message-subject").nth(12).click();
  await expect(page.getByTestId("message-title")).toBeVisible();
  await expect(page.getByTestId("message-title")).toBeInViewport();
  const scrolled = await list.evaluate((el) => el.scrollTop);
  expect(scrolled).toBeGreaterThan(0);
  await page.goBack();
  await expect(page.getByTestId("message-title")).toHaveCount(0);
  expect(await list.evaluate((el) => el.scrollTop)).toBe(scrolled);
  await page.goForward();
  await expect(page.getByTestId("message-title")).toBeVisible();
  expect(await stayed()).toBe(2);
  await page.getByTestId("nav-schedule").click();
  await expect(page).toHaveURL(/\/schedule$/);
  await expect(page.getByTestId("view-week")).toBeVisible();
  await page.goBack();
  await expect(page.getByTestId("message-title")).toBeVisible();
  await hydrated(page);
  expect(await bundles()).toEqual(["tayori-mail_bg.wasm"]);

  await page.getByTestId("compose").click();
  await expect(page.getByTestId("compose-form")).toBeVisible();
  await hydrated(page);
  expect(await bundles()).toEqual(["tayori-compose_bg.wasm"]);
  await page.goBack();
  await expect(page.getByTestId("message-title")).toBeVisible();
  await hydrated(page);
  expect(await bundles()).toEqual(["tayori-mail_bg.wasm"]);
});
