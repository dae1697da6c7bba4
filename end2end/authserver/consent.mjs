// Walks the authorization server's login and consent pages as a user agent
// would, for tests that run without a browser: follows the authorization
// URL, signs in as LOGIN, consents, and prints the URL the server finally
// redirects to (Tayori's callback with code, state and iss). Cookies are
// kept per host as a browser keeps them.
//   node end2end/authserver/consent.mjs '<authorization URL>' <login>
const [start, login] = process.argv.slice(2);
if (!start || !login) {
  console.error('usage: consent.mjs <authorization URL> <login>');
  process.exit(2);
}
const origin = new URL(start).origin;
const jar = new Map();
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const remember = (res) => {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
  }
};

let url = start;
let body;
for (let step = 0; step < 20; step += 1) {
  const res = await fetch(url, {
    method: body ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body,
  });
  remember(res);
  body = undefined;
  if (res.status >= 300 && res.status < 400) {
    const next = new URL(res.headers.get('location'), url);
    if (next.origin !== origin) {
      console.log(next.href);
      process.exit(0);
    }
    url = next.href;
    continue;
  }
  const page = await res.text();
  if (res.status !== 200) {
    console.error(`consent.mjs: ${res.status} at ${url}\n${page}`);
    process.exit(1);
  }
  const action = page.match(/<form[^>]*action="([^"]+)"/);
  const prompt = page.match(/name="prompt" value="([^"]+)"/);
  if (!action || !prompt) {
    console.error(`consent.mjs: no login or consent form at ${url}\n${page}`);
    process.exit(1);
  }
  url = new URL(action[1], url).href;
  const form = new URLSearchParams({ prompt: prompt[1] });
  if (prompt[1] === 'login') {
    form.set('login', login);
    form.set('password', 'any');
  }
  body = form.toString();
}
console.error('consent.mjs: too many steps');
process.exit(1);
