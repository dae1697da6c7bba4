import { ADMIN_NEW_PASSWORD, expect, hydrated, login, test } from "./common";
import { readFileSync } from "node:fs";
import { fetchAll } from "./pop3";

const port = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: scripts/test.sh passes the mail stack's ports`);
  return v;
};

test.describe.configure({ mode: "serial" });

test("the wizard reacts to the provider, the protection and the From address", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/mail-server");
  await hydrated(page);
  await expect(page.getByTestId("wizard-steps")).toBeVisible();
  await expect(page.getByTestId("section-sending")).toBeHidden();

  // ① CYBERMAIL Σ: ports and protection filled, host hint shown.
  await page.getByTestId("preset").selectOption("cybermail");
  await expect(page.getByTestId("host-hint")).toContainText("example.cybermail.jp");
  await page.getByTestId("wizard-next-1").click();

  // ② A pasted access URL becomes the host; the port follows the protection.
  await expect(page.getByTestId("pop-port")).toHaveValue("995");
  await page.getByTestId("pop-host").fill("https://example.cybermail.jp/login");
  await page.getByTestId("pop-host").blur();
  await expect(page.getByTestId("pop-host")).toHaveValue("example.cybermail.jp");
  await page.getByTestId("pop-protection").selectOption("none");
  await expect(page.getByTestId("pop-port")).toHaveValue("110");
  // A typed port is never moved, only warned about.
  await page.getByTestId("pop-port").fill("995");
  await expect(page.getByTestId("pop-port-warning")).toBeVisible();
  await page.getByTestId("pop-protection").selectOption("ssl");
  await expect(page.getByTestId("pop-port")).toHaveValue("995");
  await expect(page.getByTestId("pop-port-warning")).toBeHidden();
  await page.getByTestId("wizard-next-2").click();

  // ③ CYBERMAIL accepts only LOGIN; POP before SMTP and XOAUTH2 are disabled with a reason.
  await expect(page.getByTestId("smtp-port")).toHaveValue("465");
  await expect(page.getByTestId("smtp-mechanism")).toHaveValue("login");
  await expect(page.getByTestId("mech-cram-md5")).toBeDisabled();
  await expect(page.getByTestId("mech-cram-md5")).toContainText("このプロバイダーでは使用できません");
  await expect(page.locator('[data-testid=smtp-auth] option[value="pop-before-smtp"]')).toBeDisabled();
  await expect(page.getByTestId("auth-xoauth2")).toBeDisabled();
  await expect(page.getByTestId("auth-xoauth2")).toContainText("OAuth認可サーバーを先に登録してください");
  await page.getByTestId("smtp-protection").selectOption("starttls");
  await expect(page.getByTestId("smtp-port")).toHaveValue("587");

  // Back to a custom server: the project's own Postfix.
  await page.getByTestId("wizard-back-3").click();
  await page.getByTestId("wizard-back-2").click();
  await page.getByTestId("preset").selectOption("custom");
  await page.getByTestId("wizard-next-1").click();
  await page.getByTestId("pop-host").fill("localhost");
  await page.getByTestId("pop-protection").selectOption("none");
  await page.getByTestId("pop-port").fill(port("MS_POP3_PORT"));
  // The receiving server's test runs on step ② alone (step ③ is still
  // empty), and advises STARTTLS, which this server offers, over なし.
  await expect(page.getByTestId("smtp-host")).toHaveValue("");
  await page.getByTestId("test-pop3").click();
  await expect(page.getByTestId("pop3-test-verdict")).toHaveAttribute("data-verdict", "ok");
  expect(await page.getByTestId("pop3-test-step").evaluateAll((els) => els.map((e) => e.getAttribute("data-step"))))
    .toEqual(["dns", "tcp", "greeting", "capabilities"]);
  await expect(page.getByTestId("pop3-test-recommend")).toContainText("STARTTLS");
  await page.getByTestId("wizard-next-2").click();
  await page.getByTestId("smtp-host").fill("localhost");
  await page.getByTestId("smtp-protection").selectOption("starttls");
  await page.getByTestId("smtp-port").fill(port("MS_SUBMISSION_PORT"));
  await expect(page.getByTestId("mech-cram-md5")).toBeEnabled();
  await page.getByTestId("smtp-auth").selectOption("smtp");
  await page.getByTestId("smtp-mechanism").selectOption("standard");
  await page.getByTestId("auth-user").fill("bob@example.test");
  await page.getByTestId("password").fill("bobpass");
  await expect(page.getByTestId("password-state")).toHaveText("未設定");
  await page.getByTestId("wizard-next-3").click();

  // ④ A From address other than the authentication ID is warned about.
  await page.getByTestId("from-custom").check();
  await page.getByTestId("from-custom-address").fill('"便り通知" <notice@example.test>');
  await expect(page.getByTestId("from-differs-warning")).toBeVisible();
  await page.getByTestId("from-custom-address").fill('"便り通知" <bob@example.test>');
  await expect(page.getByTestId("from-differs-warning")).toBeHidden();
  await page.getByTestId("wizard-next-4").click();

  // ⑤ The connection test streams its steps, then the settings are saved.
  await page.getByTestId("test-connection").click();
  await expect(page.getByTestId("test-verdict")).toHaveAttribute("data-verdict", "ok");
  const steps = await page.getByTestId("test-step").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
  expect(steps).toEqual(["dns", "tcp", "greeting", "capabilities", "starttls", "capabilities", "login"]);
  await page.getByTestId("save").click();
  await expect(page.getByTestId("form-ok")).toHaveText("保存しました。");
  await expect(page.getByTestId("password-state")).toHaveText("設定済み");
});

test("after the first save: one page, no password in the page, advice on failure, a real test mail", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  const html = await (await page.request.get("/admin/mail-server")).text();
  expect(html).not.toContain("bobpass");
  await page.goto("/admin/mail-server");
  await hydrated(page);
  await expect(page.getByTestId("wizard-steps")).toHaveCount(0);
  await expect(page.getByTestId("section-test")).toBeVisible();
  await expect(page.getByTestId("password")).toHaveValue("");
  await expect(page.getByTestId("password-state")).toHaveText("設定済み");
  await expect(page.getByTestId("smtp-port")).toHaveValue(port("MS_SUBMISSION_PORT"));

  // The receiving server's test: POP3 with STLS and CAPA (it has no user
  // of its own to log in with).
  await page.getByTestId("pop-protection").selectOption("starttls");
  await page.getByTestId("pop-port").fill(port("MS_POP3_PORT"));
  await page.getByTestId("test-pop3").click();
  await expect(page.getByTestId("pop3-test-verdict")).toHaveAttribute("data-verdict", "ok");
  const popSteps = await page.getByTestId("pop3-test-step").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
  expect(popSteps).toEqual(["dns", "tcp", "greeting", "capabilities", "starttls"]);
  await expect(page.getByTestId("pop3-test-recommend")).toHaveCount(0);
  await expect(page.locator('[data-testid=pop3-test-step][data-step="starttls"]')).toContainText("CN=localhost");
  // Named as POP3's steps, not SMTP's.
  await expect(page.locator('[data-testid=pop3-test-step][data-step="capabilities"]')).toContainText("機能の確認（CAPA）");
  // SSL/TLS on the plain port: POP3's ports in the advice, not SMTP's.
  await page.getByTestId("pop-protection").selectOption("ssl");
  await page.getByTestId("test-pop3").click();
  await expect(page.getByTestId("pop3-test-advice")).toContainText("995", { timeout: 20_000 });
  await expect(page.getByTestId("pop3-test-advice")).not.toContainText("465");
  await page.getByTestId("pop-protection").selectOption("starttls");

  // CRAM-MD5 on the LOGIN-only port: the verdict names the field to change.
  await page.getByTestId("smtp-protection").selectOption("none");
  await page.getByTestId("smtp-port").fill(port("MS_SMTP_LOGINONLY_PORT"));
  await page.getByTestId("smtp-mechanism").selectOption("cram-md5");
  // Another port than the saved one: the stored password is not sent there.
  await page.getByTestId("password").fill("bobpass");
  await page.getByTestId("test-connection").click();
  const verdict = page.getByTestId("test-verdict");
  await expect(verdict).toHaveAttribute("data-verdict", "fail");
  await expect(verdict).toHaveAttribute("data-field", "smtp_mechanism");
  await expect(page.getByTestId("test-advice")).toHaveText("選んだ認証方式にサーバーが対応していません。「認証方式」を変更してください。");

  // The saved settings (STARTTLS on submission) deliver a test mail.
  await page.reload();
  await hydrated(page);
  await page.getByTestId("test-mail-to").fill("alice@example.test");
  await page.getByTestId("test-mail-send").click();
  const result = page.getByTestId("test-mail-result");
  await expect(result).toContainText("250");
  const queueId = (await result.textContent())!.trim().split(" ").pop()!;
  await expect
    .poll(async () => (await fetchAll(Number(port("MS_POP3_PORT")), "alice@example.test", "alicepass")).some((m) => m.includes(`id ${queueId}`)), { timeout: 15_000 })
    .toBe(true);
});

test("信頼するCA証明書: the admin pastes an in-house CA, sees it listed, removes it", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin");
  await hydrated(page);
  await page.getByTestId("admin-certificates").click();
  await expect(page.getByTestId("page-title")).toHaveText("信頼するCA証明書");
  await expect(page.getByTestId("ca-none")).toBeVisible();
  // Not a certificate: said at the field, nothing added.
  await page.getByTestId("ca-pem").fill("-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
  await page.getByTestId("ca-add").click();
  await expect(page.getByTestId("error-pem")).toContainText("証明書を読み取れません");
  await expect(page.getByTestId("ca-none")).toBeVisible();
  // The mail stack's own CA, as an admin would paste it.
  const caFile = process.env.MS_CA_PEM;
  if (!caFile) throw new Error("MS_CA_PEM is not set: scripts/test.sh passes the mail stack's CA");
  const pem = readFileSync(caFile, "utf8");
  await page.getByTestId("ca-pem").fill(pem);
  await page.getByTestId("ca-add").click();
  await expect(page.getByTestId("ca-row")).toHaveCount(1);
  await expect(page.getByTestId("ca-subject")).not.toBeEmpty();
  expect(await page.locator("code.fingerprint").textContent()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await page.getByTestId("ca-remove").click();
  await expect(page.getByTestId("ca-none")).toBeVisible();
});
