import { test as base, expect, type Page } from "@playwright/test";

export { expect };

/**
 * Every test fails if the page throws or logs an error (a hydration panic
 * would otherwise hide behind forms that still work without JavaScript).
 * Refused requests (401, 403, 422) are logged by Chromium as "Failed to load
 * resource"; those are expected answers, not script errors.
 */
export const test = base.extend<{ scriptErrors: string[] }>({
  scriptErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
      page.on("console", (m) => {
        // Playwright's own probes into the sandboxed mail frame are refused
        // by its sandbox (the refusal is the point); 07 checks that frame's
        // content for scripts itself.
        const sandboxed = /^Blocked script execution in '[^']*\/mail\/message\/\d+\/html[^']*' because the document's frame is sandboxed/;
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource") && !sandboxed.test(m.text())) {
          errors.push(`${page.url()}: ${m.text()}`);
        }
      });
      await use(errors);
      expect(errors, "no script errors in the page").toEqual([]);
    },
    { auto: true },
  ],
});

export const ADMIN_NEW_PASSWORD = "kanri-sha-2026!";
export const USER = { login: "yamada", name: "山田 太郎", password: "shoki-pass-1", newPassword: "yamada-pass-2" };
export const ORG = "営業部";
export const SUB_ORG = "第一営業課";

/** Effects run only after hydration, so this marker means handlers are live. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/// 受信 and its end: the page the post answers with must be in place
/// before the bar's absence means anything (the page before the post has no
/// bar either); the bar goes when the page is shown again after the receive.
export async function receiveAll(page: Page, timeout = 60_000) {
  await page.evaluate(() => document.body.removeAttribute("data-hydrated"));
  await page.getByTestId("receive").click();
  await hydrated(page);
  await expect(page.getByTestId("receive-progress")).toBeHidden({ timeout });
  await expect(page.getByTestId("receive")).toBeEnabled();
}

export async function login(page: Page, id: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByTestId("login-id").fill(id);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
}

export async function changePassword(page: Page, current: string, next: string) {
  await page.waitForURL("**/password");
  await hydrated(page);
  await expect(page.getByTestId("password-change-required")).toBeVisible();
  await page.getByTestId("current-password").fill(current);
  await page.getByTestId("new-password").fill(next);
  await page.getByTestId("confirm-password").fill(next);
  await page.getByTestId("password-submit").click();
  await expect(page.getByTestId("welcome")).toBeVisible();
}

export async function logout(page: Page) {
  await page.getByTestId("logout").click();
  await page.waitForURL("**/login");
}
