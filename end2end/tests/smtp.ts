// Puts test mail into a mailbox of the project's Dovecot through its
// Postfix (plain SMTP on loopback, local delivery, no authentication).
import { Socket } from "node:net";

export async function deliver(port: number, to: string, messages: { subject: string; body: string }[]): Promise<void> {
  await deliverRaw(
    port,
    to,
    messages.map((m) => {
      const subject = `=?UTF-8?B?${Buffer.from(m.subject, "utf8").toString("base64")}?=`;
      const body = Buffer.from(m.body, "utf8").toString("base64").replace(/.{76}/g, "$&\r\n");
      return Buffer.from(
        `From: =?UTF-8?B?${Buffer.from("ボブ").toString("base64")}?= <bob@example.test>\r\nTo: <${to}>\r\n` +
          `Subject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\n` +
          `Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}\r\n`,
        "utf8",
      );
    }),
  );
}

/** Delivers whole messages as given (bytes, lines ending in CRLF). */
export async function deliverRaw(port: number, to: string, messages: Buffer[]): Promise<void> {
  const sock = new Socket();
  let buf = "";
  sock.on("data", (d) => (buf += d.toString("utf8")));
  const reply = async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = buf.match(/^(\d{3}) .*\r\n/m);
      if (m) {
        const end = buf.indexOf(m[0]) + m[0].length;
        buf = buf.slice(end);
        if (!/^[23]/.test(m[1])) throw new Error(`SMTP: ${m[0]}`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`SMTP timeout; got ${buf.slice(-200)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await new Promise<void>((r, j) => sock.connect(port, "127.0.0.1", r).once("error", j));
  await reply();
  sock.write("EHLO e2e.test\r\n");
  await reply();
  for (const m of messages) {
    sock.write(`MAIL FROM:<bob@example.test>\r\n`);
    await reply();
    sock.write(`RCPT TO:<${to}>\r\n`);
    await reply();
    sock.write("DATA\r\n");
    await reply();
    // Dot-stuffing: a line that starts with "." gets another.
    const stuffed = m.toString("latin1").replace(/(^|\r\n)\./g, "$1..");
    sock.write(Buffer.from(stuffed.endsWith("\r\n") ? stuffed : stuffed + "\r\n", "latin1"));
    sock.write(".\r\n");
    await reply();
  }
  sock.write("QUIT\r\n");
  sock.end();
}
