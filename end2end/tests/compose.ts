// The compose spec, run against each source: 作成 / 返信 / 下書き from an
// account (sent through its server, received back from the real Dovecot),
// with a Japanese-named attachment; a refused recipient shows Postfix's
// reply and keeps the message in 下書き; the reply form quotes.
import type { Browser, Page } from "@playwright/test";
import { expect, hydrated, login, USER } from "./common";
import { arrived, plainPage, type Source } from "./reading";

// 山田 signs in and opens 作成 from the account's mail screen.
export async function openCompose(page: Page, src: Source) {
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto(src.screen);
  await hydrated(page);
  await page.getByTestId("compose").click();
  await expect(page.getByTestId("compose-form")).toBeVisible();
  await hydrated(page);
}

/** Write, attach, send, receive it back, reply and keep drafts. */
export async function composeSpec(page: Page, src: Source, marker: string) {
  await openCompose(page, src);
  await expect(page.getByTestId("c-from")).toContainText(src.address);

  // Bad input is refused at the field.
  await page.getByTestId("c-to").fill("frank@");
  await page.getByTestId("c-subject").fill(`便りから送信 ${marker}`);
  await page.getByTestId("c-body").fill("本日の報告です。\n添付をご確認ください。");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("error-to")).toContainText("メールアドレスの形式が正しくありません");

  // A refused recipient: Postfix's reply, and the message is kept as a draft.
  await page.getByTestId("c-to").fill("nobody-here@example.test");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("send-refused")).toContainText("550", { timeout: 20_000 });

  // To a real one, with a Japanese-named file.
  await page.getByTestId("c-to").fill(`山田 <${src.address}>`);
  // Over the limit of ウェブメール設定 (20 MB): refused before a byte is sent.
  await page.getByTestId("c-files").setInputFiles({ name: "大きすぎる.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(21 << 20) });
  await expect(page.getByTestId("error-attachments")).toContainText("添付ファイルは合計 20 MB までです。");
  await expect(page.getByTestId("c-attachment")).toHaveCount(0);
  // On a slow line a file's progress shows and 送信 waits for it.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const line = (uploadThroughput: number) =>
    cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput });
  await line(1 << 20);
  await page.getByTestId("c-files").setInputFiles({ name: "資料.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(3 << 20, 7) });
  await expect(page.getByTestId("c-upload-progress")).toBeVisible();
  await expect(page.getByTestId("send")).toBeDisabled();
  await expect(page.getByTestId("c-upload-progress")).toHaveAttribute("value", /^[1-9][0-9]?$/);
  await expect(page.getByTestId("c-attachment")).toHaveAttribute("data-uploaded", "true", { timeout: 30_000 });
  await expect(page.getByTestId("send")).toBeEnabled();
  await line(-1);
  await page.getByTestId("c-attachment").getByRole("button").click();
  await expect(page.getByTestId("c-attachment")).toHaveCount(0);

  await page.getByTestId("c-files").setInputFiles({ name: "報告書（11月）.txt", mimeType: "text/plain", buffer: Buffer.from("売上は前年比 120％ です。\n", "utf8") });
  await expect(page.getByTestId("c-attachment")).toHaveCount(1);
  await expect(page.getByTestId("c-attachment")).toHaveAttribute("data-uploaded", "true");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("sent-notice")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("folder-sent")).toHaveAttribute("data-folder", "sent");
  const sentRow = page.getByTestId("message-row").filter({ hasText: `便りから送信 ${marker}` });
  await expect(sentRow).toHaveCount(1);
  // The refused attempt's draft went away with the send.
  await page.getByTestId("folder-drafts").click();
  await expect(page.getByTestId("message-row").filter({ hasText: marker })).toHaveCount(0);

  // Received back through Dovecot: the same subject, text and file.
  await page.getByTestId("folder-inbox").click();
  await hydrated(page);
  await arrived(page, src, `便りから送信 ${marker}`, 1);
  await page.getByTestId("message-row").filter({ hasText: `便りから送信 ${marker}` }).getByTestId("message-subject").click();
  await expect(page.getByTestId("message-title")).toHaveText(`便りから送信 ${marker}`);
  await expect(page.getByTestId("mail-text")).toContainText("添付をご確認ください。");
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId("attachment-link").first().click()]);
  expect(file.suggestedFilename()).toBe("報告書（11月）.txt");

  // r: the reply form, quoted; saved as a draft, which opens again.
  await page.keyboard.press("r");
  await expect(page.getByTestId("compose-form")).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId("c-subject")).toHaveValue(`Re: 便りから送信 ${marker}`);
  await expect(page.getByTestId("c-body")).toHaveValue(/> 添付をご確認ください。/);
  await page.getByTestId("save-draft").click();
  await expect(page.getByTestId("draft-saved")).toBeVisible();
  await page.goto(`${src.screen}${src.screen.includes("?") ? "&" : "?"}folder=drafts`);
  await hydrated(page);
  await page.getByTestId("message-row").filter({ hasText: `Re: 便りから送信 ${marker}` }).getByTestId("message-subject").click();
  await expect(page.getByTestId("c-subject")).toHaveValue(`Re: 便りから送信 ${marker}`);
}

/** 作成 without JavaScript: the form posts itself, its file included. A
 * refused address comes back with everything typed and the file; the draft
 * is saved and opens again; the message is sent and its copy in 送信済み
 * has the text and the file. */
export async function plainComposeSpec(browser: Browser, src: Source, marker: string) {
  const { context, page } = await plainPage(browser);
  try {
    await page.goto(src.screen);
    await page.getByTestId("compose").click();
    await expect(page.getByTestId("c-from")).toContainText(src.address);

    const subject = `JavaScriptなしで送信 ${marker}`;
    const body = "一行目です。\n二行目：①㈱";
    await page.getByTestId("c-to").fill("frank@");
    await page.getByTestId("c-subject").fill(subject);
    await page.getByTestId("c-body").fill(body);
    await page.getByTestId("c-files").setInputFiles({ name: "議事録（案）.txt", mimeType: "text/plain", buffer: Buffer.from("決定事項：なし\n", "utf8") });
    await page.getByTestId("send").click();
    await expect(page.getByTestId("error-to")).toContainText("メールアドレスの形式が正しくありません");
    await expect(page.getByTestId("c-to")).toHaveValue("frank@");
    await expect(page.getByTestId("c-subject")).toHaveValue(subject);
    await expect(page.getByTestId("c-body")).toHaveValue(body);
    await expect(page.getByTestId("c-attachment")).toHaveCount(1);
    await expect(page.getByTestId("c-attachment")).toContainText("議事録（案）.txt");

    // 下書き保存: saved, and the form comes back as the draft.
    await page.getByTestId("c-to").fill(`山田 <${src.address}>`);
    await page.getByTestId("save-draft").click();
    await expect(page.getByTestId("draft-saved")).toBeVisible();
    await expect(page.getByTestId("c-subject")).toHaveValue(subject);
    await expect(page.getByTestId("c-to")).toHaveValue(new RegExp(src.address));
    await expect(page.getByTestId("c-attachment")).toContainText("議事録（案）.txt");

    await page.getByTestId("send").click();
    await expect(page.getByTestId("sent-notice")).toBeVisible({ timeout: 20_000 });
    const row = page.getByTestId("message-row").filter({ hasText: subject });
    await expect(row).toHaveCount(1);
    await row.getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toHaveText(subject);
    await expect(page.getByTestId("mail-text")).toContainText("二行目：①㈱");
    await expect(page.getByTestId("attachment-link")).toHaveText("議事録（案）.txt");
    // The draft went away with the send.
    await page.getByTestId("folder-drafts").click();
    await expect(page.getByTestId("message-row").filter({ hasText: marker })).toHaveCount(0);
  } finally {
    await context.close();
  }
}
