// A minimal POP3 reader for the tests: lists every message of a mailbox on
// the project's Dovecot so a spec can check what arrived.
import { Socket } from "node:net";

export async function fetchAll(port: number, user: string, pass: string, opts: { dele?: boolean } = {}): Promise<string[]> {
  const sock = new Socket();
  let buf = "";
  const waiters: (() => void)[] = [];
  sock.on("data", (d) => {
    buf += d.toString("utf8");
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (pred: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`POP3 timeout; got ${buf.slice(-200)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  const line = async () => {
    await until(() => buf.includes("\r\n"));
    const i = buf.indexOf("\r\n");
    const l = buf.slice(0, i);
    buf = buf.slice(i + 2);
    if (!l.startsWith("+OK")) throw new Error(`POP3: ${l}`);
    return l;
  };
  const multi = async () => {
    await until(() => buf.includes("\r\n.\r\n"));
    const i = buf.indexOf("\r\n.\r\n");
    const body = buf.slice(0, i);
    buf = buf.slice(i + 5);
    return body;
  };
  await new Promise<void>((r, j) => sock.connect(port, "127.0.0.1", r).once("error", j));
  await line();
  sock.write(`USER ${user}\r\n`);
  await line();
  sock.write(`PASS ${pass}\r\n`);
  await line();
  sock.write("STAT\r\n");
  const count = Number((await line()).split(" ")[1]);
  const out: string[] = [];
  for (let n = 1; n <= count; n++) {
    sock.write(`RETR ${n}\r\n`);
    await line();
    out.push(await multi());
    if (opts.dele) {
      sock.write(`DELE ${n}\r\n`);
      await line();
    }
  }
  sock.write("QUIT\r\n");
  sock.end();
  return out;
}

/** The Subject of a raw message, its RFC 2047 encoded words decoded (B and
 *  Q, any charset Node's TextDecoder knows: UTF-8, ISO-2022-JP). */
export function subjectOf(raw: string): string {
  const m = raw.match(/^Subject: (.*(?:\r\n[ \t].*)*)/m);
  if (!m) return "";
  return m[1]
    .split(/\r\n[ \t]/)
    .join(" ")
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=/gi, (_, charset: string, enc: string, text: string) => {
      const bytes =
        enc.toLowerCase() === "b"
          ? Buffer.from(text, "base64")
          : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9a-f]{2})/gi, (_h, x: string) => String.fromCharCode(parseInt(x, 16))), "latin1");
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    });
}
