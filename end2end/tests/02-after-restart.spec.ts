import { ADMIN_NEW_PASSWORD, ORG, SUB_ORG, USER, expect, login, test } from "./common";

// Tagged @restart: scripts/test.sh runs these after restarting the server on
// the same data directory, and every other test before it.
test("everything created before the restart is still there", { tag: "@restart" }, async ({ page }) => {
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toContainText(USER.name);
  await page.getByTestId("logout").click();
  await page.waitForURL("**/login");

  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/orgs");
  await expect(page.locator(`[data-testid=org-row][data-org-name="${ORG}"]`)).toBeVisible();
  await expect(page.locator(`[data-testid=org-row][data-org-name="${SUB_ORG}"]`)).toBeVisible();
  await page.goto("/admin/users");
  await expect(
    page.locator(`[data-testid=user-row][data-login-id="${USER.login}"] [data-testid=user-row-name]`),
  ).toHaveText(USER.name);
});
