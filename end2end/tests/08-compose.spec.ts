// 作成 / 返信 / 下書き from the POP account 06-webmail gave 山田 (compose.ts;
// 11-imap-reading runs the same from the IMAP account), and a message
// written in HTML goes out as text and HTML.
import { test, expect, hydrated } from "./common";
import { composeSpec, openCompose, plainComposeSpec } from "./compose";
import type { Source } from "./reading";

const POP: Source = { address: "frank@example.test", screen: "/mail", receives: true };

test("POP: write, attach, send, receive it back, reply and keep drafts", async ({ page }) => {
  test.setTimeout(120_000);
  await composeSpec(page, POP, `cp-${Date.now()}`);
});

test("POP: write, attach, save a draft and send without JavaScript", async ({ browser }) => {
  test.setTimeout(90_000);
  await plainComposeSpec(browser, POP, `pcp-${Date.now()}`);
});

test("an HTML message: the toolbar formats, the draft keeps it, and it goes out as text and HTML", async ({ page }) => {
  test.setTimeout(90_000);
  const marker = `html-${Date.now()}`;
  await openCompose(page, POP);
  await page.getByTestId("c-to").fill("山田 <frank@example.test>");
  await page.getByTestId("c-subject").fill(`HTMLの報告 ${marker}`);
  await page.getByTestId("c-body").fill("一行目 <b>ではない</b>\n二行目");

  // Text → HTML keeps the lines (and shows markup typed as text as text).
  await page.getByTestId("c-format").selectOption("html");
  const editor = page.getByTestId("c-html");
  await expect(editor).toBeVisible();
  await expect(page.getByTestId("c-body")).toBeHidden();
  await expect(editor).toContainText("一行目 <b>ではない</b>");
  await expect(editor.locator("b")).toHaveCount(0);
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.getByTestId("c-bold").click();
  await expect(editor.locator("b")).toContainText("一行目");

  // The draft opens again in HTML, formatted.
  await page.getByTestId("save-draft").click();
  await expect(page.getByTestId("draft-saved")).toBeVisible();
  await page.goto("/mail?folder=drafts");
  await hydrated(page);
  await page.getByTestId("message-row").filter({ hasText: marker }).getByTestId("message-subject").click();
  await expect(page.getByTestId("compose-form")).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId("c-format")).toHaveValue("html");
  await expect(page.getByTestId("c-html").locator("b")).toContainText("二行目");

  await page.getByTestId("send").click();
  await expect(page.getByTestId("sent-notice")).toBeVisible({ timeout: 20_000 });
  await page.getByTestId("message-row").filter({ hasText: marker }).getByTestId("message-subject").click();
  await expect(page.getByTestId("message-title")).toHaveText(`HTMLの報告 ${marker}`);
  // Shown from its HTML part, in the sandboxed frame; the text part is there too.
  const frame = page.frameLocator("[data-testid=mail-html]");
  await expect(frame.locator("b")).toContainText("一行目 <b>ではない</b>");
  await expect(frame.locator("script")).toHaveCount(0);
});
