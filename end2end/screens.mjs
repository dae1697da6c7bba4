// Screenshots of the main screens for a person to look at (not a test).
// Usage: BASE_URL=… LOGIN=admin PASSWORD=… OUT=/tmp/shots node screens.mjs
import { chromium } from "@playwright/test";
import { mkdirSync } from "node:fs";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const out = process.env.OUT ?? "/tmp/tayori-shots";
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
for (const [tag, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 800 }]]) {
  const page = await browser.newPage({ viewport });
  page.on("console", (m) => m.type() === "error" && console.log(`[console] ${page.url()} ${m.text().split("\n")[0]}`));
  page.on("pageerror", (e) => console.log(`[pageerror] ${page.url()} ${e.message}`));
  await page.goto(`${base}/login`);
  await page.screenshot({ path: `${out}/${tag}-login.png`, fullPage: true });
  await page.fill("[data-testid=login-id]", process.env.LOGIN ?? "admin");
  await page.fill("[data-testid=login-password]", process.env.PASSWORD ?? "");
  await page.click("[data-testid=login-submit]");
  await page.waitForLoadState("networkidle");
  for (const path of (process.env.PAGES ?? "/,/admin/orgs,/admin/users,/admin/users/new,/admin/company,/help,/password").split(",")) {
    await page.goto(`${base}${path}`);
    await page.waitForLoadState("networkidle");
    const name = path === "/" ? "home" : path.slice(1).replaceAll("/", "-");
    await page.screenshot({ path: `${out}/${tag}-${name}.png`, fullPage: true });
  }
  await page.close();
}
await browser.close();
console.log(`screenshots in ${out}`);
