// OAuth認可サーバー設定 and XOAUTH2 against the real authorization server
// scripts/mailstack.sh starts (oidc-provider on loopback; Dovecot checks the
// tokens by introspection, Postfix through Dovecot's SASL). The admin
// registers it as 汎用 by its discovery URL, signs the notification settings
// in through the server's real login and consent pages, and a schedule
// notification goes out over XOAUTH2; then a user adds an XOAUTH2 account
// with [認証], receives over POP3 and sends; when the provider ends the
// sign-ins, both sides say 再認証が必要 and notifications wait.
import { test, expect, hydrated, login, logout, receiveAll, ADMIN_NEW_PASSWORD, USER } from "./common";
import { fetchAll, subjectOf } from "./pop3";
import { deliver } from "./smtp";
import { env, SERVER_NAME, signInAtServer } from "./oauth";

test.describe.configure({ mode: "serial" });

test("the admin registers a server, signs the notification settings in and a notification goes out over XOAUTH2", async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();

  // 管理者設定 > OAuth認可サーバー設定 > 追加: 汎用 by its discovery URL.
  await page.goto("/admin/oauth");
  await hydrated(page);
  await expect(page.getByTestId("oauth-empty")).toBeVisible();
  await page.getByTestId("oauth-add").click();
  await expect(page.getByTestId("oauth-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("oauth-kind-generic").check();
  await expect(page.getByTestId("oauth-discovery-url")).toBeVisible();
  await expect(page.getByTestId("oauth-tenant")).toBeHidden();
  // The redirect URI to register at the server, read-only, with コピー.
  await expect(page.getByTestId("oauth-redirect-uri")).toHaveValue(/\/oauth\/callback$/);
  await page.getByTestId("oauth-name").fill(SERVER_NAME);
  await page.getByTestId("oauth-client-id").fill(env("MS_OAUTH_CLIENT_ID"));
  await page.getByTestId("oauth-client-secret").fill(env("MS_OAUTH_CLIENT_SECRET"));
  // A discovery URL that does not answer is refused at its field, nothing saved.
  await page.getByTestId("oauth-discovery-url").fill("http://127.0.0.1:9/.well-known/openid-configuration");
  await page.getByTestId("oauth-save").click();
  await expect(page.getByTestId("error-discovery_url")).toBeVisible();
  await page.getByTestId("oauth-client-secret").fill(env("MS_OAUTH_CLIENT_SECRET"));
  await page.getByTestId("oauth-discovery-url").fill(`${env("MS_OAUTH_ISSUER")}/.well-known/openid-configuration`);
  await page.getByTestId("oauth-scopes").fill("openid email offline_access mail");
  await page.getByTestId("oauth-save").click();
  const row = page.getByTestId("oauth-row").filter({ hasText: SERVER_NAME });
  await expect(row).toBeVisible();
  // The secret never comes back to the browser.
  expect(await page.content()).not.toContain(env("MS_OAUTH_CLIENT_SECRET"));

  // メールサーバー設定: XOAUTH2認証 with that server, From a fixed address.
  await page.goto("/admin/mail-server");
  await hydrated(page);
  await page.getByTestId("smtp-auth").selectOption("xoauth2");
  await expect(page.getByTestId("oauth-settings")).toBeVisible();
  await page.getByTestId("oauth-server").selectOption({ label: SERVER_NAME });
  await expect(page.getByTestId("oauth-not-signed-in")).toBeVisible();
  await page.getByTestId("from-custom").check();
  await page.getByTestId("from-custom-address").fill('"便り通知" <dave@example.test>');
  await page.getByTestId("notify-enabled").check();
  await page.getByTestId("save").click();
  await expect(page.getByTestId("form-ok")).toHaveText("保存しました。");

  // Without a sign-in the connection test stops at the token step.
  await hydrated(page);
  await page.getByTestId("test-connection").click();
  await expect(page.getByTestId("test-verdict")).toHaveAttribute("data-verdict", "fail");
  await expect(page.getByTestId("test-verdict")).toHaveAttribute("data-field", "oauth_server_id");
  await expect(page.locator('[data-testid=test-step][data-step="token"]')).toBeVisible();

  // [OAuth認可サーバー認証]: the server's login and consent, then back.
  await page.getByTestId("oauth-sign-in").click();
  await signInAtServer(page, "dave@example.test");
  await page.waitForURL("**/admin/mail-server?oauth=ok");
  await expect(page.getByTestId("oauth-result-ok")).toBeVisible();
  await expect(page.getByTestId("oauth-signed-in-as")).toHaveText("dave@example.test");
  // No token in the page.
  const html = await page.content();
  expect(html).not.toMatch(/access_token|refresh_token/);

  // ユーザーID still names bob (saved before): the server refuses dave's
  // token for bob's mailbox, and the advice says so at that field.
  await hydrated(page);
  await expect(page.getByTestId("auth-user")).toHaveValue("bob@example.test");
  await page.getByTestId("test-connection").click();
  await expect(page.getByTestId("test-verdict")).toHaveAttribute("data-verdict", "fail");
  await expect(page.getByTestId("test-verdict")).toHaveAttribute("data-field", "auth_user");
  await expect(page.getByTestId("test-advice")).toContainText("トークンがこのメールボックスのものではありません");
  await expect(page.locator('[data-testid=test-step][data-step="login"]')).toContainText('"status":"invalid_token"');
  await page.getByTestId("auth-user").fill("");
  await page.getByTestId("save").click();
  await expect(page.getByTestId("form-ok")).toHaveText("保存しました。");

  // The connection test: the token step, then AUTH with the token.
  await hydrated(page);
  await page.getByTestId("test-connection").click();
  await expect(page.getByTestId("test-verdict")).toHaveAttribute("data-verdict", "ok");
  const steps = await page.getByTestId("test-step").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
  expect(steps[0]).toBe("token");
  expect(steps[steps.length - 1]).toBe("login");
  await expect(page.locator('[data-testid=test-step][data-step="token"]')).toContainText("dave@example.test");
  // 自動 chooses OAUTHBEARER, which the server offers.
  await expect(page.locator('[data-testid=test-step][data-step="login"]')).toContainText("OAUTHBEARER");

  // A test mail through XOAUTH2.
  await page.getByTestId("test-mail-to").fill("alice@example.test");
  await page.getByTestId("test-mail-send").click();
  const result = page.getByTestId("test-mail-result");
  await expect(result).toContainText("250");
  const queueId = (await result.textContent())!.trim().split(" ").pop()!;
  await expect
    .poll(async () => (await fetchAll(Number(env("MS_POP3_PORT")), "alice@example.test", "alicepass")).some((m) => m.includes(`id ${queueId}`)), { timeout: 15_000 })
    .toBe(true);

  // A schedule entry notifies its participant (the admin, alice@…).
  const marker = `oauth-${Date.now()}`;
  await page.goto("/schedule/new?date=2026-12-08");
  await hydrated(page);
  await page.getByTestId("entry-title-input").fill(`OAuth通知 ${marker}`);
  await page.getByTestId("notify-mail").check();
  await expect(page.getByTestId("skip-self")).not.toBeChecked();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("entry-saved")).toContainText("1件の通知メールを送信します。");
  let mail = "";
  await expect
    .poll(
      async () => {
        const all = await fetchAll(Number(env("MS_POP3_PORT")), "alice@example.test", "alicepass");
        mail = all.find((m) => subjectOf(m).includes(marker)) ?? "";
        return mail !== "";
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  expect(mail).toMatch(/^From: .*<dave@example\.test>/m);
  await page.goto("/admin/outbox?status=sent");
  await expect(page.getByTestId("outbox-row").filter({ hasText: marker }).getByTestId("outbox-reply")).toContainText("250");

  // A server in use is not deleted; the list says by what.
  await page.goto("/admin/oauth");
  await hydrated(page);
  await page.getByTestId("oauth-row").filter({ hasText: SERVER_NAME }).getByTestId("oauth-delete").click();
  await expect(page.getByTestId("form-error")).toContainText("使用中のため削除できません");
  await expect(page.getByTestId("oauth-row").filter({ hasText: SERVER_NAME })).toBeVisible();
});

test("a user adds an XOAUTH2 account with [認証], receives over POP3 and sends; an ended sign-in needs a new one", async ({ page }) => {
  test.setTimeout(120_000);
  const marker = `xo-${Date.now()}`;
  const DAVE = { address: "dave@example.test", password: "davepass" };
  await fetchAll(Number(env("MS_POP3_PORT")), DAVE.address, DAVE.password, { dele: true });
  await deliver(Number(env("MS_SMTP_PORT")), DAVE.address, [{ subject: `トークンで受信 ${marker}`, body: "XOAUTH2 で受信する本文です。" }]);

  // Users may set up their own accounts.
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/webmail");
  await hydrated(page);
  await page.getByTestId("allow-user-edit").check();
  await page.getByTestId("webmail-settings-save").click();
  await expect(page.getByTestId("form-ok")).toBeVisible();
  await logout(page);

  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/mail/accounts/new");
  await expect(page.getByTestId("account-form")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("f-name").fill("トークン");
  await page.getByTestId("f-email").fill(DAVE.address);
  await page.getByTestId("recv_source-admin").check();
  await page.getByTestId("f-pop-user").fill(DAVE.address);
  await page.getByTestId("f-auth-xoauth2").check();
  await expect(page.getByTestId("account-oauth")).toBeVisible();
  await page.getByTestId("f-oauth-server").selectOption({ label: SERVER_NAME });
  await page.getByTestId("f-smtp-auth").selectOption("xoauth2");
  await page.getByTestId("account-save").click();

  // Saved: the account's page, where [認証] signs it in.
  await expect(page.getByTestId("oauth-sign-in")).toBeVisible();
  await expect(page.getByTestId("oauth-not-signed-in")).toBeVisible();
  const accountId = new URL(page.url()).pathname.split("/").pop()!;
  expect(accountId).toMatch(/^\d+$/);
  await hydrated(page);
  await page.getByTestId("oauth-sign-in").click();
  await signInAtServer(page, DAVE.address);
  await page.waitForURL(`**/mail/accounts/${accountId}?oauth=ok`);
  await expect(page.getByTestId("oauth-result-ok")).toBeVisible();
  await expect(page.getByTestId("oauth-signed-in-as")).toHaveText(DAVE.address);

  // 受信 over POP3 with the token.
  await page.goto(`/mail?account=${accountId}`);
  await hydrated(page);
  await receiveAll(page);
  await expect(page.getByTestId("receive-error")).toHaveCount(0);
  await expect(page.getByTestId("message-subject").filter({ hasText: marker })).toBeVisible();

  // 作成 and 送信 from this account, over SMTP with the token.
  await page.goto(`/mail/compose?account=${accountId}`);
  await expect(page.getByTestId("compose-form")).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId("c-from")).toContainText(DAVE.address);
  await page.getByTestId("c-to").fill("alice@example.test");
  await page.getByTestId("c-subject").fill(`トークンで送信 ${marker}`);
  await page.getByTestId("c-body").fill("XOAUTH2 で送信しました。");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("sent-notice")).toBeVisible({ timeout: 20_000 });
  await expect
    .poll(async () => (await fetchAll(Number(env("MS_POP3_PORT")), "alice@example.test", "alicepass")).some((m) => subjectOf(m).includes(`トークンで送信 ${marker}`)), { timeout: 15_000 })
    .toBe(true);

  // The provider's admin ends dave's sign-ins (the account's and the
  // notification settings'): the next 受信 is refused, refreshing meets
  // invalid_grant, and the mail screen says 再認証が必要.
  const ended = await fetch(`${env("MS_OAUTH_ISSUER")}/test/end-grants?login=${DAVE.address}`, { method: "POST" });
  expect((await ended.json()).ended).toBeGreaterThanOrEqual(2);
  await page.goto(`/mail?account=${accountId}`);
  await hydrated(page);
  await receiveAll(page);
  await expect(page.getByTestId("receive-error")).toContainText("再認証が必要です");
  await page.goto(`/mail/accounts/${accountId}`);
  await expect(page.getByTestId("oauth-needs-reauth")).toBeVisible();
  await logout(page);

  // The admin sees it in the user's account list; a notification waits in
  // the outbox (held, not failed) with the reason on 通知メールの送信状況.
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/webmail/users");
  await page.locator(`[data-testid=webmail-user][data-login="${USER.login}"] [data-testid=user-accounts-link]`).click();
  await expect(page.locator("[data-testid=account-row][data-name=トークン]")).toContainText("再認証が必要です");
  await page.goto("/schedule/new?date=2026-12-09");
  await hydrated(page);
  await page.getByTestId("entry-title-input").fill(`保留 ${marker}`);
  await page.getByTestId("notify-mail").check();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("entry-saved")).toContainText("1件の通知メールを送信します。");
  await expect
    .poll(
      async () => {
        await page.goto("/admin/outbox");
        return page.getByTestId("outbox-needs-reauth").count();
      },
      { timeout: 30_000 },
    )
    .toBe(1);
  await expect(page.getByTestId("outbox-row").filter({ hasText: `保留 ${marker}` })).toHaveCount(1);
  await page.goto("/admin/outbox?status=failed");
  await expect(page.getByTestId("outbox-row").filter({ hasText: `保留 ${marker}` })).toHaveCount(0);
});
