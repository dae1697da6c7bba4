import {
  ADMIN_NEW_PASSWORD,
  ORG,
  SUB_ORG,
  USER,
  changePassword,
  expect,
  hydrated,
  login,
  logout,
  test,
} from "./common";

const bootstrapPassword = process.env.TAYORI_ADMIN_PASSWORD;

test.describe.configure({ mode: "serial" });

test("the bootstrap admin signs in with the printed password and must change it", async ({ page }) => {
  expect(bootstrapPassword, "scripts/test.sh passes the password the server printed").toBeTruthy();
  await login(page, "admin", "wrong-password");
  await expect(page.getByTestId("form-error")).toHaveText("ログインIDまたはパスワードが正しくありません。");
  await page.getByTestId("login-password").fill(bootstrapPassword!);
  await page.getByTestId("login-submit").click();
  await changePassword(page, bootstrapPassword!, ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("nav-admin")).toHaveText("管理者設定");
});

test("the admin creates organisations, and bad input is reported at the field", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.getByTestId("nav-admin").click();
  await page.getByTestId("admin-orgs").click();
  await expect(page.getByTestId("page-title")).toHaveText("組織管理");
  await hydrated(page);

  await page.getByTestId("org-create").click();
  await expect(page.getByTestId("error-name")).toHaveText("入力してください。");

  await page.getByTestId("org-name").fill(ORG);
  await page.getByTestId("org-create").click();
  await expect(page.locator(`[data-testid=org-row][data-org-name="${ORG}"]`)).toBeVisible();

  await page.getByTestId("org-name").fill(SUB_ORG);
  await page.getByTestId("org-parent").selectOption({ label: ORG });
  await page.getByTestId("org-create").click();
  const sub = page.locator(`[data-testid=org-row][data-org-name="${SUB_ORG}"]`);
  await expect(sub).toBeVisible();

  await page.getByTestId("org-name").fill(SUB_ORG);
  await page.getByTestId("org-parent").selectOption({ label: ORG });
  await page.getByTestId("org-create").click();
  await expect(page.getByTestId("error-name")).toHaveText("既に使われています。別の値を入力してください。");

  // The parent cannot be deleted while it has a sub-organisation.
  await page.locator(`[data-testid=org-row][data-org-name="${ORG}"] [data-testid=org-delete]`).click();
  await expect(page.locator(`[data-testid=org-row][data-org-name="${ORG}"] [data-testid=error-id]`)).toHaveText(
    "下位の組織があるため削除できません。",
  );
});

test("the admin creates a user with a Japanese name", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/users/new");
  await hydrated(page);
  await page.getByTestId("user-login-id").fill(USER.login);
  await page.getByTestId("user-email").fill("yamada@example");
  await page.getByTestId("user-password").fill(USER.password);
  await page.getByTestId("user-save").click();
  await expect(page.getByTestId("error-name")).toHaveText("入力してください。");
  await expect(page.getByTestId("error-email")).toContainText("メールアドレスの形式が正しくありません");

  await page.getByTestId("user-name-input").fill(USER.name);
  await page.getByTestId("user-email").fill("yamada@example.co.jp");
  await page.getByTestId("user-org").selectOption({ label: `\u3000${SUB_ORG}` });
  await page.getByTestId("user-save").click();
  await page.waitForURL("**/admin/users");
  const row = page.locator(`[data-testid=user-row][data-login-id="${USER.login}"]`);
  await expect(row.getByTestId("user-row-name")).toHaveText(USER.name);
  await expect(row).toContainText(SUB_ORG);

  // The same login ID again is refused at its field.
  await page.goto("/admin/users/new");
  await hydrated(page);
  await page.getByTestId("user-login-id").fill(USER.login.toUpperCase());
  await page.getByTestId("user-name-input").fill("別の山田");
  await page.getByTestId("user-password").fill(USER.password);
  await page.getByTestId("user-save").click();
  await expect(page.getByTestId("error-login_id")).toHaveText("既に使われています。別の値を入力してください。");
  await logout(page);
});

test("the user signs in, is not an admin, and switches to English and back", async ({ page }) => {
  await login(page, USER.login, USER.password);
  await changePassword(page, USER.password, USER.newPassword);
  await expect(page.getByTestId("welcome")).toContainText(USER.name);
  await expect(page.getByTestId("nav-admin")).toHaveCount(0);
  await expect(page.getByTestId("user-name")).toHaveText(USER.name);

  await hydrated(page);
  await page.getByTestId("lang-switch").click();
  await expect(page.getByTestId("logout")).toHaveText("Sign out");
  await expect(page.getByTestId("welcome")).toContainText(`Welcome`);
  await expect(page.getByTestId("nav-help")).toHaveText("Help");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");

  // The choice is the user's: it survives a new page load.
  await page.goto("/help");
  await expect(page.getByTestId("help-flow-title")).toHaveText("How mail flows");

  await hydrated(page);
  await page.getByTestId("lang-switch").click();
  await expect(page.getByTestId("logout")).toHaveText("ログアウト");
  await expect(page.getByTestId("help-flow-title")).toHaveText("メールの流れ");
  await expect(page.getByTestId("flow-pop")).toContainText("メールを便りに運んで保存する");
  await expect(page.getByTestId("flow-imap")).toContainText("メールサーバーに見に行く");
});

test("a non-admin opening an admin page is refused", async ({ page }) => {
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/users");
  await expect(page.getByTestId("forbidden")).toHaveText("この操作を行う権限がありません。");
  await expect(page.getByTestId("user-table")).toHaveCount(0);
});

test("every screen renders and hydrates when loaded directly, at desktop and phone width", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/users");
  const editHref = await page
    .locator(`[data-testid=user-row][data-login-id="${USER.login}"] [data-testid=user-edit]`)
    .getAttribute("href");
  expect(editHref).toMatch(/^\/admin\/users\/\d+$/);
  const screens: [string, string][] = [
    ["/", "welcome"],
    ["/admin", "page-title"],
    ["/admin/orgs", "org-list"],
    ["/admin/users", "user-table"],
    ["/admin/users/new", "user-create-form"],
    [editHref!, "user-edit-form"],
    ["/admin/company", "company-form"],
    ["/admin/mail-server", "mail-server-form"],
    ["/help", "mail-flow-diagram"],
    ["/schedule", "calendar"],
    ["/schedule?view=month", "calendar"],
    ["/schedule?view=org", "calendar"],
    ["/schedule/new", "entry-form"],
    ["/memos", "page-title"],
    ["/admin/outbox", "outbox-filter"],
    ["/admin/schedule", "titles-form"],
  ];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    for (const [path, testid] of screens) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.getByTestId(testid), `${path} at ${width}px`).toBeVisible();
      await page.waitForLoadState("networkidle");
    }
  }
  // The company form saves and shows the saved values after a reload.
  await page.goto("/admin/company");
  await hydrated(page);
  await page.getByTestId("company-name").fill("デスクネッツ商事");
  await page.getByTestId("company-email").fill("desknets@example.com");
  await page.getByTestId("company-save").click();
  await expect(page.getByTestId("form-ok")).toHaveText("保存しました。");
  await page.reload();
  await expect(page.getByTestId("company-name")).toHaveValue("デスクネッツ商事");
});
