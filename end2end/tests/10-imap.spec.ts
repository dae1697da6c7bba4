// ウェブメールIMAP: the admin sets ウェブメールIMAPのメールサーバー設定 (the
// project's Dovecot) and tests it, sets 管理者設定's own IMAP server apart,
// allows 山田 ウェブメールIMAP in 機能管理; 山田 adds an IMAP account on
// iris's mailbox and reads, marks, moves, deletes, searches and sends
// there — the mail stays on the server. Then the same screen without
// JavaScript. Runs after 06-webmail (山田 has a POP account already).
import { test, expect, hydrated, login, logout, ADMIN_NEW_PASSWORD, USER } from "./common";
import { deliver } from "./smtp";

const port = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh`);
  return Number(v);
};
const IRIS = { address: "iris@example.test", password: "irispass" };

test("an IMAP account reads, marks, moves, deletes, searches and sends on the server", async ({ page }) => {
  test.setTimeout(150_000);
  const marker = `imap-${Date.now()}`;
  await deliver(port("MS_SMTP_PORT"), IRIS.address, [
    { subject: `会議の議事録 ${marker}`, body: "来週の予定をお知らせします。" },
    { subject: `見積のお願い ${marker}`, body: "お見積りをお願いします。" },
    { subject: `昼食 ${marker}`, body: "蕎麦にしましょう。" },
  ]);

  // ウェブメールIMAPのメールサーバー設定, with its connection test.
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/webmail");
  await hydrated(page);
  await page.getByTestId("wm-imap-server").click();
  await expect(page.getByTestId("imap-server-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("imap-host").fill("");
  await page.getByTestId("imap-save").click();
  await expect(page.getByTestId("error-imap_host")).toBeVisible();
  await page.getByTestId("imap-host").fill("localhost");
  await page.getByTestId("imap-port").fill(String(port("MS_IMAPS_PORT")));
  await page.getByTestId("imap-protection").selectOption("ssl");
  await page.getByTestId("imap-save").click();
  await expect(page.getByTestId("imap-saved")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("imap-host")).toHaveValue("localhost");
  await page.getByTestId("imap-test-user").fill(IRIS.address);
  await page.getByTestId("imap-test-password").fill(IRIS.password);
  await page.getByTestId("imap-test").click();
  const steps = page.getByTestId("imap-steps");
  await expect(steps.locator("[data-step=login].ok")).toBeVisible({ timeout: 20_000 });
  await expect(steps.locator("[data-step=tls].ok")).toBeVisible();

  // 機能管理: ウェブメールIMAP for 山田.
  await page.goto("/admin/webmail/users");
  await hydrated(page);
  const row = page.locator(`[data-testid=webmail-user][data-login="${USER.login}"]`);
  await expect(row.getByTestId("imap-use")).toHaveText("利用させない");
  await row.getByTestId(`pick-${USER.login}`).check();
  await page.getByTestId("enable-imap").click();
  await expect(row.getByTestId("imap-use")).toHaveText("利用させる");

  // 管理者設定 > メールサーバー設定（IMAP）: the server of IMAP accounts
  // that receive by 管理者設定, kept apart from ウェブメールIMAP's.
  await page.getByTestId("admin-mail-server-imap").click();
  await expect(page).toHaveURL(/\/admin\/mail-server\/imap$/);
  await expect(page.getByTestId("imap-server-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("imap-host").fill("localhost");
  await page.getByTestId("imap-port").fill(String(port("MS_IMAP_PORT")));
  await page.getByTestId("imap-protection").selectOption("starttls");
  await page.getByTestId("imap-save").click();
  await expect(page.getByTestId("imap-saved")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("imap-port")).toHaveValue(String(port("MS_IMAP_PORT")));
  await page.goto("/admin/webmail/imap-server");
  await expect(page.getByTestId("imap-port")).toHaveValue(String(port("MS_IMAPS_PORT")));
  await logout(page);

  // 山田 adds the IMAP account (ウェブメールIMAPの設定 for receiving).
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/mail/accounts");
  await hydrated(page);
  await page.getByTestId("account-add").click();
  await expect(page.getByTestId("account-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("f-kind-imap").check();
  await expect(page.getByTestId("imap-folders")).toBeVisible();
  // Each receiving choice names the IMAP server it stands for.
  await expect(page.locator("label:has([data-testid=recv_source-admin]) .imap-only")).toContainText(String(port("MS_IMAP_PORT")));
  await expect(page.locator("label:has([data-testid=recv_source-webmail]) .imap-only").last()).toContainText(String(port("MS_IMAPS_PORT")));
  await expect(page.getByTestId("f-leave")).toBeHidden();
  await page.getByTestId("recv_source-webmail").check();
  await page.getByTestId("f-name").fill("IMAP");
  await page.getByTestId("f-email").fill(IRIS.address);
  await page.getByTestId("f-pop-user").fill(IRIS.address);
  await page.getByTestId("f-pop-password").fill(IRIS.password);
  await page.getByTestId("account-save").click();
  const account = page.locator("[data-testid=account-row][data-name=IMAP]");
  await expect(account).toBeVisible();
  const edit = await account.getByTestId("account-edit").getAttribute("href");
  const id = Number(edit?.split("/").pop());
  expect(id).toBeGreaterThan(0);

  // The mail screen reads the server: no 受信 for this account.
  await page.goto(`/mail?account=${id}`);
  await hydrated(page);
  await expect(page.getByTestId("receive")).toHaveCount(0);
  const line = (subject: string) => page.getByTestId("message-row").filter({ hasText: subject });
  await expect(line(`会議の議事録 ${marker}`)).toBeVisible();
  await expect(line(`昼食 ${marker}`)).toBeVisible();

  // Open: the body comes from the server; the row is read afterwards.
  await line(`会議の議事録 ${marker}`).getByTestId("message-subject").click();
  await expect(page.getByTestId("message-title")).toContainText("会議の議事録");
  await expect(page.getByTestId("mail-text")).toContainText("来週の予定をお知らせします。");
  await page.goto(`/mail?account=${id}`);
  await hydrated(page);
  await expect(line(`会議の議事録 ${marker}`)).not.toHaveClass(/unread/);
  await expect(line(`昼食 ${marker}`)).toHaveClass(/unread/);

  // New mail while the screen is open: the server tells (IDLE) and the
  // list shows it without the page being loaded again.
  await page.evaluate(() => ((window as unknown as { stayed: number }).stayed = 1));
  await page.waitForTimeout(1_000);
  await deliver(port("MS_SMTP_PORT"), IRIS.address, [{ subject: `新着 ${marker}`, body: "届きました。" }]);
  await expect(line(`新着 ${marker}`)).toBeVisible({ timeout: 20_000 });
  await expect(line(`新着 ${marker}`)).toHaveClass(/unread/);
  expect(await page.evaluate(() => (window as unknown as { stayed?: number }).stayed)).toBe(1);

  // Search on the server: two Japanese characters.
  await page.getByTestId("search-input").fill("見積");
  await page.getByTestId("search").click();
  await expect(page.getByTestId("search-results")).toBeVisible();
  await expect(line(`見積のお願い ${marker}`)).toBeVisible();
  await expect(line(`昼食 ${marker}`)).toHaveCount(0);
  // Subject and addresses by default; the text when asked (the server's
  // own search).
  await page.getByTestId("search-input").fill("蕎麦");
  await page.getByTestId("search").click();
  await expect(page.getByTestId("no-messages")).toBeVisible();
  await page.getByTestId("search-within").selectOption("text");
  await page.getByTestId("search").click();
  await expect(line(`昼食 ${marker}`)).toBeVisible();
  await expect(page).toHaveURL(/within=text/);

  // A folder on the server; move there; delete to ごみ箱.
  await page.goto(`/mail?account=${id}`);
  await hydrated(page);
  const name = `案件-${marker}`;
  await page.getByTestId("new-folder-name").fill(name);
  await page.getByTestId("new-folder").click();
  const folder = page.locator("[data-testid^=folder-f]").filter({ hasText: name });
  await expect(folder).toBeVisible();
  await line(`見積のお願い ${marker}`).getByTestId("pick").check();
  const key = await folder.getAttribute("data-folder");
  await page.getByTestId("move-target").selectOption(key ?? "");
  await page.getByTestId("move").click();
  await expect(line(`見積のお願い ${marker}`)).toHaveCount(0);
  await folder.click();
  await expect(line(`見積のお願い ${marker}`)).toBeVisible();
  await page.getByTestId("folder-inbox").click();
  await line(`昼食 ${marker}`).getByTestId("pick").check();
  await page.getByTestId("delete-selected").click();
  await expect(line(`昼食 ${marker}`)).toHaveCount(0);
  await page.getByTestId("folder-trash").click();
  await expect(line(`昼食 ${marker}`)).toBeVisible();

  // Send from the IMAP account: the copy is filed in the server's Sent.
  await page.goto(`/mail/compose?account=${id}`);
  await expect(page.getByTestId("compose-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("c-to").fill(IRIS.address);
  await page.getByTestId("c-subject").fill(`IMAPから送信 ${marker}`);
  await page.getByTestId("c-body").fill("送信済みフォルダに保存されます。");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("sent-notice")).toBeVisible();
  await expect(line(`IMAPから送信 ${marker}`)).toBeVisible();
  await page.getByTestId("folder-inbox").click();
  await expect.poll(async () => {
    await page.reload();
    return line(`IMAPから送信 ${marker}`).count();
  }, { timeout: 20_000 }).toBe(1);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the IMAP account's list and a message render on the server", async ({ page }) => {
    await page.goto("/login");
    await page.getByTestId("login-id").fill(USER.login);
    await page.getByTestId("login-password").fill(USER.newPassword);
    await page.getByTestId("login-submit").click();
    await expect(page.getByTestId("welcome")).toBeVisible();
    await page.goto("/mail/accounts");
    const edit = await page.locator("[data-testid=account-row][data-name=IMAP]").getByTestId("account-edit").getAttribute("href");
    const id = Number(edit?.split("/").pop());
    await page.goto(`/mail?account=${id}`);
    const first = page.getByTestId("message-row").first();
    await expect(first).toBeVisible();
    await first.getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toBeVisible();
    await expect(page.getByTestId("mail-text")).toBeVisible();
  });
});
