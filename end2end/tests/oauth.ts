// The loopback authorization server's side of a sign-in (oidc-provider,
// started by scripts/mailstack.sh), shared by the OAuth and IMAP specs.
import type { Page } from "@playwright/test";

export const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh`);
  return v;
};

/** The name 09-oauth registers the server under in OAuth認可サーバー設定. */
export const SERVER_NAME = "社内認可サーバー";

/** The authorization server's own pages: sign in as `who`, then consent. */
export async function signInAtServer(page: Page, who: string) {
  await page.waitForURL((u) => u.origin === new URL(env("MS_OAUTH_ISSUER")).origin);
  await page.locator("input[name=login]").fill(who);
  await page.locator("input[name=password]").fill("any");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}
