// A site's own server that knows its logged-in visitor and signs the widget's identity
// (docs/identity.md). Run it beside the relay:
//
//   IDENTITY_KID=site-2026 IDENTITY_SECRET=<the same 32+ characters as in RELAY_IDENTITY_KEYS> \
//   RELAY_URL=http://127.0.0.1:8787 WIDGET_URL=http://127.0.0.1:8080/socialboards-ticket.js \
//   npx tsx examples/identity/server.mjs
//
// Two ways to hand the token to the widget:
//   GET /      a server-rendered page: the token is signed into data-identity as the page is made;
//   GET /spa   a single-page app: mount({ identity }) with a function that fetches
//              GET /identity-token each time the visitor sends, so the token is always fresh.
// Real sites sign for the user of the session cookie; this example pretends one user is logged in.
import { createServer } from 'node:http';
import { signIdentity } from '../../src/relay/identity/sign-identity.ts';

const key = { id: process.env.IDENTITY_KID ?? '', secret: process.env.IDENTITY_SECRET ?? '' };
const relay = process.env.RELAY_URL ?? 'http://127.0.0.1:8787';
const widget = process.env.WIDGET_URL ?? 'http://127.0.0.1:8080/socialboards-ticket.js';
if (!key.id || key.secret.length < 32) {
  console.error('Set IDENTITY_KID and IDENTITY_SECRET (at least 32 characters), as in the relay\'s RELAY_IDENTITY_KEYS.');
  process.exit(1);
}

/** The visitor this server knows from its session (here: always the same one). */
const currentUser = () => ({ name: 'Ann O\'Neil', email: 'ann@example.com', customerNumber: 'CN-775' });

/** Signs what the site knows; 42627 stands for a field the relay's form config marks "signed". */
const tokenFor = (user, expiresInSeconds) =>
  signIdentity({ key, name: user.name, email: user.email, fields: { 42627: user.customerNumber }, expiresInSeconds });

/** Escapes text for an HTML attribute: names may hold quotes, and JSON always does. */
const attribute = (text) => text.replace(/[&"'<>]/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support</title></head>
<body><div id="support"></div>${body}</body></html>`;

const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://site').pathname;
  const user = currentUser();
  if (path === '/') {
    // The page lives while the visitor writes, so this token lives longer than the endpoint's
    // (30 minutes; the relay accepts up to RELAY_IDENTITY_MAX_LIFETIME_SECONDS).
    const token = await tokenFor(user, 1800);
    const prefill = JSON.stringify({ name: user.name, email: user.email });
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(page(`<script src="${attribute(widget)}" data-relay="${attribute(relay)}" data-target="#support"
  data-identity="${attribute(token)}" data-prefill="${attribute(prefill)}" data-lock-fields="name,email"></script>`));
    return;
  }
  if (path === '/identity-token') {
    // A real site answers only for a logged-in session (and 204 for an anonymous visitor).
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify({ token: await tokenFor(user) }));
    return;
  }
  if (path === '/spa') {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(page(`<script src="${attribute(widget)}"></script><script src="/spa.js" data-relay="${attribute(relay)}"></script>`));
    return;
  }
  if (path === '/spa.js') {
    response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    response.end(`const relay = document.currentScript.dataset.relay;
window.SocialboardsTicket.mount('#support', {
  relay,
  identity: () => fetch('/identity-token').then((r) => (r.status === 200 ? r.json() : {})).then((body) => body.token),
});
`);
    return;
  }
  response.writeHead(404).end();
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`site: http://127.0.0.1:${server.address().port}`);
});
