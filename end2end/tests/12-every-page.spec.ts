// Every page, as the admin and as 山田 see them after the specs before, at
// an office screen (1366 px) and a phone (390 px): nothing scrolls
// sideways, and a Japanese page says nothing in English besides the names
// of protocols and products. What users typed or received (names, subjects,
// addresses) is marked `translate="no"` by the pages, and literal text
// (identifiers in <code>, keys in <kbd>, protocol logs in <pre>) is not
// prose: neither is judged.
// A screenshot of each page at each width is kept with the results.
import type { Page, TestInfo } from "@playwright/test";
import { test, expect, hydrated, login, ADMIN_NEW_PASSWORD, USER } from "./common";

const WIDTHS = [1366, 390];

/** Latin words a Japanese page may show: protocols, products, units. */
const ALLOWED = new Set(
  `SMTP POP POP3 IMAP IMAP4 TLS SSL STARTTLS OAuth OAuth2 XOAUTH2 CRAM-MD5 PLAIN LOGIN EHLO CAPA
   DNS TCP MX SRV HTTP HTTPS URL ID IDs CSV HTML UTF-8 ISO-2022-JP Shift_JIS EUC-JP UTF CA PEM
   SASL OAUTHBEARER PKCE S256 URI API OpenID Connect JIS JavaScript EML ISPDB
   Tayori Microsoft Google Workspace Gmail Entra Exchange Graph Web Xserver WebARENA CYBERMAIL Σ
   Outlook Thunderbird KB MB GB TB B Cc CC Bcc BCC Re Fw Fwd APOP English`.split(/\s+/),
);

/** The words of the page's own text that are English and not allowed. */
async function englishWords(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => {
    const clone = document.body.cloneNode(true) as HTMLElement;
    // Literal text (identifiers, keys, protocol logs) is not prose either.
    clone.querySelectorAll("[translate=no], code, kbd, pre, samp, script, style, noscript, template").forEach((e) => e.remove());
    // innerText needs layout: measure the clone in the page, out of sight.
    clone.style.position = "absolute";
    clone.style.left = "-99999px";
    document.documentElement.appendChild(clone);
    const t = clone.innerText;
    clone.remove();
    return t;
  });
  const cleaned = text
    .replace(/POP before SMTP/g, " ")
    .replace(/[\w.+-]+@[\w.-]+/g, " ") // addresses
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/\b[\w-]+(\.[\w-]+)+\b/g, " "); // host names, file names
  const words = cleaned.match(/[A-Za-z][A-Za-z0-9_'’-]*/g) ?? [];
  return [...new Set(words.filter((w) => !ALLOWED.has(w)))];
}

async function visit(page: Page, info: TestInfo, path: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });
    await page.goto(path);
    await hydrated(page);
    const name = `${path.replace(/[^a-z0-9]+/gi, "_")}-${width}.png`;
    const shot = info.outputPath(name);
    await page.screenshot({ path: shot, fullPage: true });
    await info.attach(name, { path: shot, contentType: "image/png" });
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect.soft(scroll, `${path} at ${width} px scrolls sideways`).toBeLessThanOrEqual(client);
    if (width === WIDTHS[0]) {
      expect.soft(await englishWords(page), `${path}: English on a Japanese page`).toEqual([]);
    }
  }
}

/** The first link matching `selector` on `path`, for pages of one record. */
async function firstLink(page: Page, path: string, selector: string): Promise<string | null> {
  await page.goto(path);
  await hydrated(page);
  const link = page.locator(selector).first();
  return (await link.count()) > 0 ? await link.getAttribute("href") : null;
}

test("every page fits a phone and speaks Japanese", async ({ page }, info) => {
  test.setTimeout(300_000);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto("/login");
    await hydrated(page);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect.soft(scroll, `/login at ${width} px`).toBeLessThanOrEqual(client);
    const shot = info.outputPath(`login-${width}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    await info.attach(`login-${width}.png`, { path: shot, contentType: "image/png" });
  }
  expect.soft(await englishWords(page), "/login").toEqual([]);

  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  const adminPages = [
    "/",
    "/help",
    "/admin",
    "/admin/orgs",
    "/admin/users",
    "/admin/users/new",
    "/admin/company",
    "/admin/mail-server",
    "/admin/mail-server/imap",
    "/admin/outbox",
    "/admin/certificates",
    "/admin/oauth",
    "/admin/oauth/new",
    "/admin/schedule",
    "/admin/webmail",
    "/admin/webmail/users",
    "/admin/webmail/server",
    "/admin/webmail/imap-server",
    "/admin/webmail/import",
    "/admin/webmail/index",
    "/schedule",
    "/schedule?view=month",
    "/schedule/new",
    "/memos",
  ];
  const one = [
    await firstLink(page, "/admin/users", "a[href^='/admin/users/']:not([href$='/new'])"),
    await firstLink(page, "/admin/oauth", "a[href^='/admin/oauth/']:not([href$='/new'])"),
    await firstLink(page, "/admin/webmail/users", "a[href^='/admin/webmail/users/']"),
  ];
  for (const path of [...adminPages, ...one.filter((p): p is string => !!p)]) {
    await visit(page, info, path);
  }

  await page.context().clearCookies();
  await login(page, USER.login, USER.newPassword);
  await expect(page.getByTestId("welcome")).toBeVisible();
  const userPages = ["/mail", "/mail?folder=sent", "/mail/compose", "/mail/accounts", "/mail/accounts/new", "/schedule", "/memos", "/password"];
  const account = await firstLink(page, "/mail/accounts", "[data-testid=account-edit]");
  const entry = await firstLink(page, "/schedule", "a[href^='/schedule/entry/']");
  const message = await firstLink(page, "/mail", "[data-testid=message-subject]");
  for (const path of [...userPages, account, account && `${account}/log`, entry, message].filter((p): p is string => !!p)) {
    await visit(page, info, path);
  }
});

test("the admin menu names the pages it opens, grouped as the seed's menu", async ({ page }) => {
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin");
  await hydrated(page);
  const links = await page
    .getByTestId("admin-nav")
    .locator("a")
    .evaluateAll((els) => els.map((a) => [a.getAttribute("href") ?? "", (a.textContent ?? "").trim()]));
  expect(links.length).toBeGreaterThan(12);
  for (const [href, name] of links) {
    await page.goto(href);
    if (href.includes("#")) {
      // A section of a page: its own heading carries the name.
      await expect(page.locator(`#${href.split("#")[1]}`), href).toContainText(name);
    } else {
      await expect(page.getByTestId("page-title"), href).toHaveText(name);
    }
  }
  // 利用させる / 利用させない where the seed puts them.
  await page.goto("/admin/webmail/users");
  await expect(page.getByTestId("breadcrumb")).toHaveText("ウェブメール > 機能管理 > 個人アカウント設定 > アカウント設定");
  await expect(page.getByTestId("enable")).toHaveText("利用させる");
  await expect(page.getByTestId("disable")).toHaveText("利用させない");
  await page.goto("/admin/webmail/server");
  await expect(page.getByTestId("breadcrumb")).toHaveText("ウェブメール > 機能管理 > システム管理 > ウェブメールのメールサーバー設定");
});
