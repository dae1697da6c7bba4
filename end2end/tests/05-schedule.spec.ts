// The seed's 【テスト】: the admin registers a schedule entry with
// 通知の方法 = メール and 自分には通知しない unchecked, and the notification
// arrives in the admin's own mailbox (read over POP3 from the real Dovecot).
// Then a participant whose address the server refuses: the failure and the
// server's reply show on 通知メールの送信状況.
import { test, expect, hydrated, login, ADMIN_NEW_PASSWORD } from "./common";
import { fetchAll, subjectOf } from "./pop3";

const port = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh`);
  return v;
};

async function editUser(page: import("@playwright/test").Page, login: string) {
  await page.goto("/admin/users");
  await hydrated(page);
  await page.locator(`[data-testid=user-row][data-login-id="${login}"] [data-testid=user-edit]`).click();
  await expect(page.getByTestId("user-edit-form")).toBeVisible();
  await hydrated(page);
}

test("【テスト】: a schedule entry notifies the admin by mail", async ({ page }) => {
  const marker = `e2e-${Date.now()}`;
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();

  // The admin's own work address, and notifications from that address.
  await editUser(page, "admin");
  await page.getByTestId("user-email").fill("alice@example.test");
  await page.getByTestId("user-save").click();
  await expect(page.getByTestId("form-ok")).toBeVisible();
  await page.goto("/admin/mail-server");
  await hydrated(page);
  await page.getByTestId("notify-enabled").check();
  await page.getByTestId("from-user").check();
  await page.getByTestId("save").click();
  await expect(page.getByTestId("form-ok")).toBeVisible();

  // スケジュール > 予定の追加
  await page.getByTestId("nav-schedule").click();
  await expect(page.getByTestId("calendar")).toBeVisible();
  await hydrated(page);
  await page.getByTestId("schedule-add").click();
  await expect(page.getByTestId("entry-form")).toBeVisible();
  await hydrated(page);
  // Japanese order whatever the browser's language (this one's is en-US).
  await expect(page.getByTestId("start-date")).toHaveValue(/^\d{4}\/\d{2}\/\d{2}$/);
  await expect(page.getByTestId("start-time")).toHaveValue(/^\d{2}:\d{2}$/);
  await page.getByTestId("start-date").fill("２０２６／１２／０１");
  await page.getByTestId("start-time").fill("10:00");
  await page.getByTestId("end-date").fill("2026-12-01");
  await page.getByTestId("end-time").fill("11:00");
  // 終日 turns the times off, and on again.
  await page.getByTestId("all-day").check();
  await expect(page.getByTestId("start-time")).toBeDisabled();
  await expect(page.getByTestId("end-time")).toBeDisabled();
  await page.getByTestId("all-day").uncheck();
  await expect(page.getByTestId("start-time")).toBeEnabled();
  // 予定: ▼選択 puts a common title into the field; the admin then types.
  await page.getByTestId("title-choose").selectOption("会議");
  await expect(page.getByTestId("entry-title-input")).toHaveValue("会議");
  await page.getByTestId("entry-title-input").fill(`【テスト】${marker}`);
  await page.getByTestId("entry-place-input").fill("第1会議室");
  // The admin is the first participant already; 通知の方法 = メール;
  // 自分には通知しない stays unchecked.
  const self = page.locator("[data-testid^=participant-]:checked");
  await expect(self).toHaveCount(1);
  await page.getByTestId("notify-mail").check();
  await expect(page.getByTestId("skip-self")).not.toBeChecked();
  // An impatient double click saves (and notifies) once: the week below
  // must show one card.
  await page.getByTestId("entry-save").dblclick();

  await expect(page.getByTestId("entry-saved")).toContainText("1件の通知メールを送信します。");
  await expect(page.getByTestId("entry-title")).toHaveText(`【テスト】${marker}`);
  await expect(page.getByTestId("entry-when")).toHaveText("2026年12月1日(火) 10:00〜11:00");

  // 自身にメールが届けば、通知メールの設定は成功！
  let mail = "";
  await expect
    .poll(
      async () => {
        const all = await fetchAll(Number(port("MS_POP3_PORT")), "alice@example.test", "alicepass");
        mail = all.find((m) => subjectOf(m).includes(marker)) ?? "";
        return mail !== "";
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  expect(subjectOf(mail)).toBe(`【予定の追加】【テスト】${marker}（12/1(火) 10:00）`);
  expect(mail).toMatch(/^From: .*<alice@example\.test>/m);
  expect(mail).toMatch(/^Message-ID: <[^>]+@example\.test>/m);

  // An edit shows what was saved, on the same entry page.
  await hydrated(page);
  await page.getByTestId("entry-place-input").fill("第2会議室");
  await page.getByTestId("skip-self").check();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("entry-place")).toHaveText("第2会議室");
  await expect(page.getByTestId("entry-saved")).toContainText("予定を保存しました。");

  // The week shows the entry; the admin screen shows it sent with the reply.
  await page.goto("/schedule?date=2026-12-01");
  await expect(page.getByTestId("entry-card").filter({ hasText: marker })).toHaveCount(1);
  await page.goto("/schedule?view=month&date=2026-12-01");
  await expect(page.getByTestId("schedule-heading")).toHaveText("2026年12月");
  await expect(page.locator('td[data-date="2026-12-01"] [data-testid=entry-card]').filter({ hasText: marker })).toBeVisible();
  await page.goto("/admin/outbox?status=sent");
  const row = page.getByTestId("outbox-row").filter({ hasText: marker });
  await expect(row.getByTestId("outbox-recipient")).toHaveText("alice@example.test");
  await expect(row.getByTestId("outbox-reply")).toContainText("250");
});

test("a refused address is shown failed with the server's reply, and a memo lands in the inbox", async ({ page }) => {
  const marker = `e2e550-${Date.now()}`;
  await login(page, "admin", ADMIN_NEW_PASSWORD);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await page.goto("/admin/users/new");
  await hydrated(page);
  const ghost = `ghost${Date.now() % 100000}`;
  await page.getByTestId("user-login-id").fill(ghost);
  await page.getByTestId("user-name-input").fill(`宛先不明 ${ghost}`);
  await page.getByTestId("user-email").fill(`${ghost}@example.test`);
  await page.getByTestId("user-password").fill("ghost-pass-1");
  await page.getByTestId("user-save").click();
  await page.waitForURL("**/admin/users");

  await page.goto("/schedule/new?date=2026-12-02");
  await hydrated(page);
  await page.getByTestId("entry-title-input").fill(`来客 ${marker}`);
  await page.getByTestId("start-time").fill("15:00");
  await page.getByTestId("end-time").fill("16:00");
  const ghostBox = page.locator(`label.person:has-text("宛先不明 ${ghost}") input`);
  await ghostBox.check();
  await page.getByTestId("skip-self").check();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("entry-saved")).toContainText("1件の通知メールを送信します。");

  await expect
    .poll(
      async () => {
        await page.goto("/admin/outbox?status=failed");
        return page.getByTestId("outbox-row").filter({ hasText: marker }).count();
      },
      { timeout: 30_000 },
    )
    .toBe(1);
  const row = page.getByTestId("outbox-row").filter({ hasText: marker });
  await expect(row.getByTestId("outbox-status")).toHaveText("送信失敗");
  await expect(row.getByTestId("outbox-reply")).toContainText("550");
  await hydrated(page);
  await row.getByTestId("outbox-resend").click();
  await expect(page.getByTestId("form-ok")).toHaveText("再送信の待ち行列に入れました。");
  // Refused again: back among the failed, with the reply.
  await expect
    .poll(
      async () => {
        await page.goto("/admin/outbox?status=failed");
        return page.getByTestId("outbox-row").filter({ hasText: marker }).filter({ hasText: "550" }).count();
      },
      { timeout: 30_000 },
    )
    .toBe(1);

  // 伝言: no mail, an inbox entry with an unread count in the header.
  await page.goto("/schedule/new?date=2026-12-03");
  await hydrated(page);
  await page.getByTestId("entry-title-input").fill(`伝言 ${marker}`);
  await page.getByTestId("notify-memo").check();
  await page.getByTestId("notify-mail").uncheck();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("entry-saved")).toContainText("1件の伝言を送りました。");
  await expect(page.getByTestId("entry-saved")).not.toContainText("通知メール");
  await page.goto("/memos");
  await expect(page.getByTestId("memo-count")).toBeVisible();
  const memo = page.getByTestId("memo").filter({ hasText: marker });
  await expect(memo.getByTestId("memo-unread")).toBeVisible();
  await hydrated(page);
  await memo.getByTestId("memo-read").click();
  await expect(memo.getByTestId("memo-unread")).toHaveCount(0);

  // メール and 伝言 together; neither is refused at the field.
  await page.goto("/schedule/new?date=2026-12-04");
  await hydrated(page);
  await page.getByTestId("entry-title-input").fill(`両方 ${marker}`);
  await page.getByTestId("notify-mail").uncheck();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("error-notify_method")).toBeVisible();
  await expect(page.getByTestId("entry-title-input")).toHaveValue(`両方 ${marker}`);
  await page.getByTestId("notify-mail").check();
  await page.getByTestId("notify-memo").check();
  await page.getByTestId("entry-save").click();
  await expect(page.getByTestId("entry-saved")).toContainText("1件の伝言を送りました。");
  await expect(page.getByTestId("entry-saved")).toContainText("1件の通知メールを送信します。");
  await page.goto("/memos");
  await expect(page.getByTestId("memo").filter({ hasText: `両方 ${marker}` })).toHaveCount(1);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("予定の追加 works as a plain HTML form, errors at the field", async ({ page }) => {
    const marker = `nojs-${Date.now()}`;
    await page.goto("/login");
    await page.getByTestId("login-id").fill("admin");
    await page.getByTestId("login-password").fill(ADMIN_NEW_PASSWORD);
    await page.getByTestId("login-submit").click();
    await expect(page.getByTestId("welcome")).toBeVisible();

    await page.goto("/schedule/new?date=2026-12-04");
    await page.getByTestId("start-time").fill("10:00");
    await page.getByTestId("end-time").fill("09:00");
    await page.getByTestId("entry-save").click();
    await expect(page.getByTestId("error-title")).toHaveText("入力してください。");
    await expect(page.getByTestId("error-end_time")).toHaveText("終了は開始より後にしてください。");

    await page.goto("/schedule/new?date=2026-12-04");
    await page.getByTestId("entry-title-input").fill(`打合せ ${marker}`);
    await page.getByTestId("skip-self").check();
    await page.getByTestId("entry-save").click();
    await expect(page.getByTestId("entry-saved")).toContainText("予定を保存しました。");
    await expect(page.getByTestId("entry-title")).toHaveText(`打合せ ${marker}`);
    await expect(page.getByTestId("entry-when")).toHaveText("2026年12月4日(金) 10:00〜11:00");

    await page.getByTestId("entry-delete").click();
    await expect(page.getByTestId("form-ok")).toHaveText("予定を削除しました。");
  });
});
