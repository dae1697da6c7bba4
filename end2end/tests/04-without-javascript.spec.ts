import { ADMIN_NEW_PASSWORD, expect, test } from "./common";

// Before the WebAssembly arrives (or with JavaScript off) the forms are plain
// HTML forms: they post, and errors come back at their fields.
test.use({ javaScriptEnabled: false });

test("sign-in and the mail server settings work as plain HTML forms", async ({ page }) => {
  await page.goto("/login");
  await page.getByTestId("login-id").fill("admin");
  await page.getByTestId("login-password").fill("wrong password");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toHaveText("ログインIDまたはパスワードが正しくありません。");
  await page.getByTestId("login-id").fill("admin");
  await page.getByTestId("login-password").fill(ADMIN_NEW_PASSWORD);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("welcome")).toBeVisible();

  await page.goto("/admin/mail-server");
  // Without JavaScript every section is visible at once.
  await expect(page.getByTestId("section-sending")).toBeVisible();
  const port = await page.getByTestId("smtp-port").inputValue();
  await page.getByTestId("smtp-port").fill("0");
  await page.getByTestId("save").click();
  await expect(page.getByTestId("error-smtp_port")).toHaveText("1〜65535 の数値で入力してください。");

  await page.goto("/admin/mail-server");
  await page.getByTestId("timeout").fill("15");
  await page.getByTestId("save").click();
  await page.goto("/admin/mail-server");
  await expect(page.getByTestId("timeout")).toHaveValue("15");
  await expect(page.getByTestId("smtp-port")).toHaveValue(port);
  await expect(page.getByTestId("password-state")).toHaveText("設定済み");
  await expect(page.getByTestId("last-saved")).toContainText("管理者");
});
