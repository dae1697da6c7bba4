// The reading spec, run against each source of the mail screen: a POP
// account (mail received into Tayori's store) and an IMAP account (mail
// read on the server). Legacy Japanese charsets, hostile HTML (nothing
// runs, nothing is fetched before 画像を表示, counted by a local HTTP
// server that stands in for a tracker), Japanese attachment names on
// download, search, folders and the keyboard; and the same screen without
// JavaScript.
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "@playwright/test";
import { expect, hydrated, login, receiveAll, USER } from "./common";
import { deliverRaw } from "./smtp";

export const port = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh`);
  return Number(v);
};

/** Where the mail screen reads from. */
export interface Source {
  /** The mailbox mail is delivered to. */
  address: string;
  /** The mail screen of the account: "/mail" or "/mail?account=N". */
  screen: string;
  /** POP accounts receive into the store first; IMAP reads the server. */
  receives: boolean;
}

const CRLF = "\r\n";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** ISO-2022-JP as old Japanese mailers write it, with NEC row 13 and half-width kana. */
export function iso2022jp(to: string, marker: string): Buffer {
  const esc = "\x1b";
  // 会議 = JIS 0x3271 0x3544; ① = 0x2D21, ㈱ = 0x2D6A; ｶﾅ = JIS X 0201 0x36 0x45.
  const subject = Buffer.from(`${esc}$B2q5D${esc}(B ${marker}`, "latin1").toString("base64");
  const body = `${esc}$B-!-j${esc}(B ${esc}(I6E${esc}(B https://example.test/page${CRLF}`;
  return Buffer.from(
    `From: Old Mailer <old@example.test>${CRLF}To: ${to}${CRLF}Subject: =?ISO-2022-JP?B?${subject}?=${CRLF}` +
      `Date: Sat, 28 Nov 2026 09:00:00 +0900${CRLF}MIME-Version: 1.0${CRLF}Content-Type: text/plain; charset=ISO-2022-JP${CRLF}` +
      `Content-Transfer-Encoding: 7bit${CRLF}${CRLF}${body}`,
    "latin1",
  );
}

/** Shift_JIS text that says it is ISO-8859-1: readable only after 文字コードを指定して表示. */
export function mislabelled(to: string, marker: string): Buffer {
  const head = Buffer.from(
    `From: old@example.test${CRLF}To: ${to}${CRLF}Subject: mislabelled ${marker}${CRLF}MIME-Version: 1.0${CRLF}` +
      `Content-Type: text/plain; charset=ISO-8859-1${CRLF}Content-Transfer-Encoding: 8bit${CRLF}${CRLF}`,
    "latin1",
  );
  // 日本語 in Shift_JIS.
  return Buffer.concat([head, Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]), Buffer.from(CRLF, "latin1")]);
}

/**
 * An old phone-style message from an impostor: a raw (unencoded) Shift_JIS
 * subject with a docomo pictogram (F89F, ☀), a body that names no charset,
 * and a display name that shows a bank's address.
 */
export function impostor(to: string, marker: string): Buffer {
  const sjis = (hex: string) => Buffer.from(hex.replace(/ /g, ""), "hex");
  // 確認のお願い in Shift_JIS, then the pictogram.
  const subject = Buffer.concat([sjis("8a 6d 94 46 82 cc 82 a8 8a e8 82 a2"), Buffer.from(` ${marker} `, "latin1"), sjis("f8 9f")]);
  // 口座 in Shift_JIS.
  const body = sjis("8c fb 8d c0");
  return Buffer.concat([
    Buffer.from(`From: "support@bank.example" <collector@evil.test>${CRLF}To: ${to}${CRLF}Subject: `, "latin1"),
    subject,
    Buffer.from(`${CRLF}MIME-Version: 1.0${CRLF}Content-Transfer-Encoding: 8bit${CRLF}${CRLF}`, "latin1"),
    body,
    Buffer.from(CRLF, "latin1"),
  ]);
}

export function hostile(to: string, tracker: string, marker: string): Buffer {
  const html = [
    `<html><head><base href="${tracker}/base/"><meta http-equiv="refresh" content="0;url=${tracker}/refresh">`,
    `<link rel="stylesheet" href="${tracker}/css"><style>@import url(${tracker}/import); body{background:url(${tracker}/bg)}</style></head>`,
    `<body onload="top.document.title='pwned'"><p>悪意のある本文 ${marker}</p>`,
    `<script>top.document.title='pwned'; fetch('${tracker}/script')</script>`,
    `<img src="${tracker}/pixel.gif" width="1" height="1"><img src="x" onerror="top.document.title='pwned'">`,
    `<a href="javascript:top.document.title='pwned'" data-x="js">クリック</a>`,
    `<svg onload="top.document.title='pwned'"><image href="${tracker}/svg"/></svg>`,
    `<form action="${tracker}/form"><input name="p" value="secret"><button>送信</button></form>`,
    `<iframe src="${tracker}/frame"></iframe><object data="${tracker}/object"></object>`,
    `<div style="background-image:url(${tracker}/style)">飾り</div><video src="${tracker}/video" autoplay></video>`,
    `</body></html>`,
  ].join(CRLF);
  return Buffer.from(
    `From: Spammer <spam@example.test>${CRLF}To: ${to}${CRLF}Subject: =?UTF-8?B?${b64(`お得なお知らせ ${marker}`)}?=${CRLF}` +
      `MIME-Version: 1.0${CRLF}Content-Type: text/html; charset=UTF-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}` +
      b64(html).replace(/.{76}/g, `$&${CRLF}`) + CRLF,
    "latin1",
  );
}

export function withAttachments(to: string, marker: string): Buffer {
  const pdf = Buffer.from("%PDF-1.4\n% 見積\n", "utf8");
  const rfc2047 = `=?UTF-8?B?${b64("請求書.txt")}?=`;
  return Buffer.from(
    `From: =?UTF-8?B?${b64("佐藤")}?= <sato@example.test>${CRLF}To: ${to}${CRLF}` +
      `Subject: =?UTF-8?B?${b64(`見積書の送付 ${marker}`)}?=${CRLF}MIME-Version: 1.0${CRLF}` +
      `Content-Type: multipart/mixed; boundary="b1"${CRLF}${CRLF}--b1${CRLF}` +
      `Content-Type: text/plain; charset=UTF-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64("見積書を添付します。")}${CRLF}` +
      `--b1${CRLF}Content-Type: application/pdf${CRLF}Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent("見積書.pdf")}${CRLF}` +
      `Content-Transfer-Encoding: base64${CRLF}${CRLF}${pdf.toString("base64")}${CRLF}` +
      `--b1${CRLF}Content-Type: text/plain; name="${rfc2047}"${CRLF}Content-Disposition: attachment; filename="${rfc2047}"${CRLF}` +
      `Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64("請求額: 1,000円")}${CRLF}--b1--${CRLF}`,
    "utf8",
  );
}


/** The five messages of the reading spec, delivered to the source's mailbox. */
export async function deliverFive(src: Source, marker: string, trackerUrl: string) {
  await deliverRaw(port("MS_SMTP_PORT"), src.address, [
    iso2022jp(src.address, marker),
    hostile(src.address, trackerUrl, marker),
    withAttachments(src.address, marker),
    mislabelled(src.address, marker),
    impostor(src.address, marker),
  ]);
}

/** The list shows every one of the `count` messages carrying `marker`:
 * a POP account receives them first, an IMAP account is looked at again. */
export async function arrived(page: Page, src: Source, marker: string, count: number) {
  const rows = page.getByTestId("message-row").filter({ hasText: marker });
  await expect(async () => {
    if (src.receives) {
      await receiveAll(page, 20_000);
    } else {
      await page.goto(src.screen);
      await hydrated(page);
    }
    await expect(rows).toHaveCount(count, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
}

/** Legacy Japanese, hostile HTML, attachments, search, folders and keys on
 * the hydrated screen; 山田 is signed out when it starts. */
export async function readingSpec(page: Page, src: Source, marker: string) {
  const hits: string[] = [];
  const tracker: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "image/gif" });
    res.end(Buffer.from("R0lGODlhAQABAAAAACw=", "base64"));
  });
  await new Promise<void>((r) => tracker.listen(0, "127.0.0.1", r));
  const addr = tracker.address();
  if (!addr || typeof addr === "string") throw new Error("tracker did not start");
  const trackerUrl = `http://127.0.0.1:${addr.port}`;
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const outside: string[] = [];
  const base = new URL(process.env.BASE_URL ?? "http://127.0.0.1:3000");
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith("http") && u.host !== base.host) outside.push(r.url());
  });
  try {
    await deliverFive(src, marker, trackerUrl);
    await login(page, USER.login, USER.newPassword);
    await expect(page.getByTestId("welcome")).toBeVisible();
    await page.goto(src.screen);
    await hydrated(page);
    await arrived(page, src, marker, 5);
    const row = (text: string) => page.getByTestId("message-row").filter({ hasText: text });
    await expect(row(`見積書の送付 ${marker}`).getByTestId("has-attachment")).toBeVisible();

    // ISO-2022-JP: ① ㈱ and half-width kana survive; links are clickable.
    await row(`会議 ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toHaveText(`会議 ${marker}`);
    await expect(page.getByTestId("mail-text")).toContainText("①㈱ ｶﾅ");
    await expect(page.getByTestId("mail-text").getByRole("link")).toHaveAttribute("href", "https://example.test/page");
    await expect(page.getByTestId("message-date")).toHaveText("2026年11月28日(土) 09:00");
    await expect(row(`会議 ${marker}`)).not.toHaveClass(/unread/);

    // 文字コードを指定して表示: mislabelled Shift_JIS becomes readable.
    await row(`mislabelled ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toContainText("mislabelled");
    await expect(page.getByTestId("mail-text")).not.toContainText("日本語");
    await page.getByTestId("charset-select").selectOption("Shift_JIS");
    await expect(page.getByTestId("mail-text")).toContainText("日本語");
    // ソースを表示 reads the bytes in the chosen charset, every one of
    // them; 「EMLファイルで保存」 is the message as received.
    const source = page.getByTestId("show-source");
    await expect(source).toHaveAttribute("href", /charset=Shift_JIS/);
    const shown = await (await page.request.get((await source.getAttribute("href"))!)).text();
    expect(shown).toContain(`Subject: mislabelled ${marker}`);
    expect(shown).toContain("日本語");
    expect(shown).not.toContain("\ufffd");
    const eml = await page.request.get((await page.getByTestId("save-eml").getAttribute("href"))!);
    expect(eml.headers()["content-type"]).toBe("message/rfc822");
    expect((await eml.body()).includes(Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]))).toBe(true);

    // Raw Shift_JIS header bytes, a body without charset and a carrier
    // pictogram read as Japanese readers show them; the impostor's real
    // address is shown with a warning.
    await row(`確認のお願い ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toHaveText(`確認のお願い ${marker} \u2600`);
    await expect(page.getByTestId("mail-text")).toContainText("口座");
    await expect(page.getByTestId("impersonated")).toContainText("collector@evil.test");
    await expect(page.getByTestId("impersonated")).toContainText("なりすまし");

    // Hostile HTML: nothing runs, nothing leaves before consent.
    await row(`お得なお知らせ ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toContainText("お得なお知らせ");
    const frame = page.frameLocator("[data-testid=mail-html]");
    await expect(frame.getByText(`悪意のある本文 ${marker}`)).toBeVisible();
    await expect(page.getByTestId("images-bar")).toBeVisible();
    await page.waitForTimeout(1500);
    expect(hits, "no request reached the tracker").toEqual([]);
    expect(outside, "no request left for another host").toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.title()).not.toContain("pwned");
    // (The page's own <style> sits in the head; the mail's would be in the body.)
    for (const sel of ["script", "form", "input", "iframe", "object", "svg", "base", "meta[http-equiv]", "link", "body style", "video", "[onload]", "[onerror]", "[href^=javascript]"]) {
      await expect(frame.locator(sel), sel).toHaveCount(0);
    }
    await expect(frame.getByText("クリック")).toBeVisible();
    // 画像を表示: now, and only now, the picture is fetched.
    await page.getByTestId("show-images").click();
    await expect.poll(() => hits.filter((h) => h === "/pixel.gif").length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(hits.filter((h) => h !== "/pixel.gif"), "only the image, never scripts, styles or forms").toEqual([]);
    expect(await page.title()).not.toContain("pwned");

    // Attachments download under their Japanese names (RFC 2231 and RFC 2047).
    await row(`見積書の送付 ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toContainText("見積書の送付");
    await expect(page.getByTestId("attachment")).toHaveCount(2);
    const [pdf] = await Promise.all([page.waitForEvent("download"), page.getByTestId("attachment-link").first().click()]);
    expect(pdf.suggestedFilename()).toBe("見積書.pdf");
    const [txt] = await Promise.all([page.waitForEvent("download"), page.getByTestId("attachment-link").nth(1).click()]);
    expect(txt.suggestedFilename()).toBe("請求書.txt");

    // Search: two Japanese characters, hits marked.
    await page.getByTestId("search-input").fill("見積");
    await page.getByTestId("search").click();
    await expect(page.getByTestId("search-results")).toBeVisible();
    await expect(row(marker)).toHaveCount(1);
    await expect(row(marker).locator("mark").first()).toHaveText("見積");
    await page.getByTestId("search-input").fill("存在しない語句");
    await page.getByTestId("search").click();
    await expect(page.getByTestId("no-messages")).toBeVisible();

    // A folder of one's own; move a message there; keys j / k and Delete.
    await page.goto(src.screen);
    await hydrated(page);
    const name = `取引先 ${marker.slice(-6)}`;
    await page.getByTestId("new-folder-name").fill(name);
    await page.getByTestId("new-folder").click();
    const folder = page.locator("[data-testid^=folder-f]").filter({ hasText: name });
    await expect(folder).toBeVisible();
    await row(`見積書の送付 ${marker}`).getByTestId("pick").check();
    const key = await folder.getAttribute("data-folder");
    await page.getByTestId("move-target").selectOption(key ?? "");
    await page.getByTestId("move").click();
    await expect(row(`見積書の送付 ${marker}`)).toHaveCount(0);
    await folder.click();
    await expect(row(`見積書の送付 ${marker}`)).toBeVisible();
    await page.getByTestId("folder-inbox").click();
    await expect(row(`会議 ${marker}`)).toBeVisible();
    await page.keyboard.press("j");
    await expect(page.getByTestId("message")).toBeVisible();
    const first = await page.getByTestId("message").getAttribute("data-id");
    await page.keyboard.press("j");
    await expect(page.getByTestId("message")).not.toHaveAttribute("data-id", first ?? "");
    await page.keyboard.press("k");
    await expect(page.getByTestId("message")).toHaveAttribute("data-id", first ?? "");
    const title = (await page.getByTestId("message-title").textContent()) ?? "";
    expect(title).toContain(marker);
    await page.keyboard.press("Delete");
    await expect(page.locator(`[data-testid=message-row][data-id="${first}"]`)).toHaveCount(0);
    // In ごみ箱 (on an IMAP server a moved message has a new UID, so it is
    // found by its subject).
    await page.getByTestId("folder-trash").click();
    await expect(row(title)).toBeVisible();
    await page.keyboard.press("/");
    await expect(page.getByTestId("search-input")).toBeFocused();

    // A move the server refuses (the folder is gone) is undone, with why.
    await page.getByTestId("folder-inbox").click();
    const victim = row(`会議 ${marker}`);
    await expect(victim).toBeVisible();
    const vid = await victim.getAttribute("data-id");
    await victim.getByTestId("pick").check();
    await page.getByTestId("move-target").evaluate((s: HTMLSelectElement) => {
      s.add(new Option("消えたフォルダ", "f999999"));
      s.value = "f999999";
    });
    await page.getByTestId("move").click();
    await expect(page.getByTestId("form-error")).toBeVisible();
    await expect(page.locator(`[data-testid=message-row][data-id="${vid}"]`)).toBeVisible();
  } finally {
    tracker.close();
  }
}

/** A browser without JavaScript with 山田 signed in. */
export async function plainPage(browser: Browser) {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
  });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByTestId("login-id").fill(USER.login);
  await page.getByTestId("login-password").fill(USER.newPassword);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("welcome")).toBeVisible();
  return { context, page };
}

/** The same screen without JavaScript, on the messages `readingSpec` left:
 * list, a message, 文字コードを指定して表示, search and delete are plain
 * links and forms answered by the server. */
export async function plainSpec(browser: Browser, src: Source, marker: string) {
  const { context, page } = await plainPage(browser);
  try {
    await page.goto(src.screen);
    const row = (text: string) => page.getByTestId("message-row").filter({ hasText: text });
    await row(`会議 ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toHaveText(`会議 ${marker}`);
    await expect(page.getByTestId("mail-text")).toContainText("①㈱ ｶﾅ");

    await row(`mislabelled ${marker}`).getByTestId("message-subject").click();
    await expect(page.getByTestId("message-title")).toContainText("mislabelled");
    await expect(page.getByTestId("mail-text")).not.toContainText("日本語");
    await page.getByTestId("charset-select").selectOption("Shift_JIS");
    await page.locator("form:has([data-testid=charset-select]) button[type=submit]").click();
    await expect(page.getByTestId("mail-text")).toContainText("日本語");

    await page.getByTestId("search-input").fill("会議");
    await page.getByTestId("search").click();
    await expect(page.getByTestId("search-results")).toBeVisible();
    await expect(row(`会議 ${marker}`)).toBeVisible();
    await expect(row(`mislabelled ${marker}`)).toHaveCount(0);

    await page.goto(src.screen);
    await row(`会議 ${marker}`).getByTestId("pick").check();
    await page.getByTestId("delete-selected").click();
    await expect(page.getByTestId("message-row").first()).toBeVisible();
    await expect(row(`会議 ${marker}`)).toHaveCount(0);
    await page.getByTestId("folder-trash").click();
    await expect(row(`会議 ${marker}`)).toBeVisible();
  } finally {
    await context.close();
  }
}
