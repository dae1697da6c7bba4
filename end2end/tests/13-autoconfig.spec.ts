// 自動設定: the admin types an address on ウェブメールのメールサーバー設定,
// watches each source's step, gets the settings from the test DNS's SRV
// records, runs the connection test against the project's Dovecot and
// saves. Hosts from the settings database (ISPDB) must be confirmed before
// anything can send a password to them.
import { test, expect, hydrated, login, ADMIN_NEW_PASSWORD, USER } from "./common";

const port = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh`);
  return v;
};

test.describe.configure({ mode: "serial" });

test("the admin sets up from a mail address, tests and saves", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/webmail/server");
  await hydrated(page);
  await page.getByTestId("autoconfig-address").fill("bob@srv.example.test");
  await page.getByTestId("autoconfig-run").click();
  const found = page.getByTestId("autoconfig-found");
  await expect(found).toHaveAttribute("data-source", "srv", { timeout: 30_000 });
  const steps = await page.getByTestId("autoconfig-step").evaluateAll((els) =>
    els.map((e) => [e.getAttribute("data-step"), e.getAttribute("data-ok")]),
  );
  expect(steps).toEqual([
    ["preset", "false"],
    ["autoconfig", "false"],
    ["ispdb", "false"],
    ["srv", "true"],
  ]);
  await expect(page.locator("[data-testid=autoconfig-step][data-step=srv]")).toContainText("DNSのSRVレコード");
  // The fields hold what the records say.
  await expect(page.getByTestId("pop-host")).toHaveValue("mail.example.test");
  await expect(page.getByTestId("pop-port")).toHaveValue(port("MS_POP3S_PORT"));
  await expect(page.getByTestId("pop-protection")).toHaveValue("ssl");
  await expect(page.getByTestId("smtp-host")).toHaveValue("mail.example.test");
  await expect(page.getByTestId("smtp-port")).toHaveValue(port("MS_SUBMISSION_PORT"));
  await expect(page.getByTestId("smtp-protection")).toHaveValue("starttls");
  // They work: the connection test passes, then 保存.
  await page.getByTestId("test-pop3").click();
  await expect(page.getByTestId("pop3-test-verdict")).toHaveAttribute("data-verdict", "ok", { timeout: 20_000 });
  await page.getByTestId("save").click();
  await expect(page.getByTestId("form-ok")).toHaveText("保存しました。");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("pop-host")).toHaveValue("mail.example.test");
});

test("hosts from the settings database wait for the admin's confirmation", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  // 機能管理: the ISPDB is off until a URL is given.
  await page.goto("/admin/webmail");
  await hydrated(page);
  await page.getByTestId("autoconfig-ispdb").fill("ftp://ispdb.example.test/");
  await page.getByTestId("webmail-settings-save").click();
  await expect(page.getByTestId("error-autoconfig_ispdb")).toBeVisible();
  await page.getByTestId("autoconfig-ispdb").fill("https://ispdb.example.test/v1.1/");
  await page.getByTestId("webmail-settings-save").click();
  await expect(page.getByTestId("form-ok")).toBeVisible();

  await page.goto("/admin/webmail/server");
  await hydrated(page);
  await page.getByTestId("autoconfig-address").fill("bob@isp.example.test");
  await page.getByTestId("autoconfig-run").click();
  await expect(page.getByTestId("autoconfig-found")).toHaveAttribute("data-source", "ispdb", { timeout: 30_000 });
  await expect(page.getByTestId("autoconfig-confirm-text")).toBeVisible();
  // Nothing sends the password until the hosts are confirmed.
  await expect(page.getByTestId("test-pop3")).toBeDisabled();
  await expect(page.getByTestId("save")).toBeDisabled();
  await page.getByTestId("autoconfig-confirm").check();
  await expect(page.getByTestId("test-pop3")).toBeEnabled();
  await page.getByTestId("test-pop3").click();
  await expect(page.getByTestId("pop3-test-verdict")).toHaveAttribute("data-verdict", "ok", { timeout: 20_000 });

  // An address that is not one is refused at its field.
  await page.getByTestId("autoconfig-address").fill("bob@");
  await page.getByTestId("autoconfig-run").click();
  await expect(page.getByTestId("error-autoconfig_address")).toBeVisible();
});

test("a user's account form is filled from the address, as 個別に設定する", async ({ page }) => {
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/mail/accounts/new");
  await hydrated(page);
  // An empty user ID is filled from the source; a typed one is kept.
  await page.getByTestId("f-pop-user").fill("");
  await page.getByTestId("autoconfig-address").fill("yamada@srv.example.test");
  await page.getByTestId("autoconfig-run").click();
  await expect(page.getByTestId("autoconfig-found")).toHaveAttribute("data-source", "srv", { timeout: 30_000 });
  await expect(page.getByTestId("recv_source-own")).toBeChecked();
  await expect(page.getByTestId("f-pop-host")).toHaveValue("mail.example.test");
  await expect(page.getByTestId("f-pop-port")).toHaveValue(port("MS_POP3S_PORT"));
  await expect(page.getByTestId("send_source-own")).toBeChecked();
  await expect(page.getByTestId("f-smtp-host")).toHaveValue("mail.example.test");
  await expect(page.getByTestId("f-smtp-port")).toHaveValue(port("MS_SUBMISSION_PORT"));
  await expect(page.getByTestId("f-pop-user")).toHaveValue("yamada@srv.example.test");
});
