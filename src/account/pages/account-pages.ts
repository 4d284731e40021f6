import { sha256 } from '../../common/crypto/sha256.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../../common/validation/password.policy.js';
import { escapeHtml } from '../../mail/mail.js';

/**
 * The two pages the mailed links open when RESET_PASSWORD_URL and VERIFY_EMAIL_URL keep their
 * defaults: server-rendered HTML, one inline script and one inline style allowed by their hashes
 * and nothing else. The script posts the token (from a hidden field, never from the script
 * text, whose hash must not change) to the JSON API beside the page and shows the outcome where a
 * screen reader reads it out. Mails are in English; so are the pages.
 */

export const RESET_PASSWORD_PAGE = 'reset-password';
export const VERIFY_EMAIL_PAGE = 'verify-email';

/** The mailed tokens are base64url; anything else cannot be one (and is not echoed back). */
const TOKEN = /^[A-Za-z0-9_-]{1,512}$/;

export function pageToken(query: unknown): string | undefined {
  const token = (query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && TOKEN.test(token) ? token : undefined;
}

const STYLE = `
body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f6f6; }
main { max-width: 28rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: .5rem; }
h1 { font-size: 1.5rem; margin-top: 0; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input { box-sizing: border-box; width: 100%; font: inherit; padding: .5rem; border: 1px solid #666; border-radius: .25rem; }
input[aria-invalid="true"] { border-color: #b00020; }
button { margin-top: 1rem; font: inherit; padding: .5rem 1rem; border: 0; border-radius: .25rem; background: #0b57d0; color: #fff; cursor: pointer; }
button:disabled { background: #777; cursor: progress; }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
.hint { color: #444; font-size: .9rem; margin: .25rem 0 0; }
.error { color: #b00020; }
.done { color: #146c2e; }
[hidden] { display: none; }
`;

/**
 * Shared by both pages. `form[data-confirm]` posts on load (verification), any other form on
 * submit; the answer's outcome goes to #outcome, which takes the focus, and a field error also
 * to the field's own message.
 */
const SCRIPT = `
(() => {
  const form = document.querySelector('form');
  if (!form) return;
  const outcome = document.getElementById('outcome');
  const button = form.querySelector('button');
  const password = form.querySelector('input[type=password]');
  const fieldError = document.getElementById('field-error');
  const checking = document.getElementById('checking');
  // The token stays in the form; the address bar and history keep no copy of it.
  history.replaceState(null, '', location.pathname);

  const say = (text, kind) => {
    outcome.textContent = text;
    outcome.className = kind;
    outcome.hidden = false;
    outcome.focus();
  };
  const problemText = async (response) => {
    let problem = {};
    try { problem = await response.json(); } catch {}
    const type = String(problem.type || '');
    if (type.endsWith('/action-token-invalid')) return [form.dataset.expired, false, false];
    if (response.status === 429) {
      const wait = Number(response.headers.get('retry-after'));
      const when = !(wait > 0) ? 'later' : wait < 120 ? 'in ' + wait + ' seconds' : 'in ' + Math.ceil(wait / 60) + ' minutes';
      return ['Too many attempts from here. Try again ' + when + '.', false, true];
    }
    const fields = Array.isArray(problem.errors) ? problem.errors.filter((e) => e.field !== 'token') : [];
    if (response.status === 400 && fields.length && password) {
      return [fields.map((e) => e.message.replace(/^newPassword/, 'The new password')).join('. '), true];
    }
    return ['Something went wrong (' + response.status + '). Try again in a while.', false, true];
  };
  const send = async () => {
    button.disabled = true;
    if (checking) checking.hidden = false;
    form.setAttribute('aria-busy', 'true');
    if (password) { password.removeAttribute('aria-invalid'); fieldError.hidden = true; }
    const body = { token: form.elements.token.value };
    if (password) body.newPassword = password.value;
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (checking) checking.hidden = true;
      if (response.ok) {
        form.hidden = true;
        say(form.dataset.done, 'done');
        return;
      }
      const [text, onField, retry] = await problemText(response);
      if (onField) {
        fieldError.textContent = text;
        fieldError.hidden = false;
        password.setAttribute('aria-invalid', 'true');
        outcome.hidden = true;
        password.focus();
      } else {
        if (!retry) form.hidden = true;
        say(text, 'error');
      }
    } catch {
      if (checking) checking.hidden = true;
      say('The service could not be reached. Check your connection and try again.', 'error');
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); void send(); });
  if (form.dataset.confirm) void send();
})();
`;

/** A CSP source naming one inline script or style by its hash. */
const hashSource = (text: string) => `'sha256-${sha256(text, 'base64')}'`;

/** Nothing but the page's own script and style, and requests to this origin. */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hashSource(SCRIPT)}`,
  `style-src ${hashSource(STYLE)}`,
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

/**
 * The security headers of the page routes, which the app's per-route header policy sets on
 * every answer of theirs (with the API set's `no-store`, `nosniff`, `DENY` and no referrer):
 * the strict CSP in place of the API's `default-src 'none'`.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
};

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

const INVALID_LINK =
  'This link is not complete. Open the link from the mail again, or copy the whole address ' +
  'from the mail into the address bar.';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const noScript =
  '<noscript><p class="error">This page needs JavaScript to send your request.</p></noscript>';

/** The page of RESET_PASSWORD_URL; `action` is the API route, relative to the page. */
export function resetPasswordPage(token: string | undefined, action: string): string {
  const title = 'Choose a new password';
  if (!token) return page(title, `<p class="error" role="alert">${INVALID_LINK}</p>`);
  return page(
    title,
    `<form method="post" action="${escapeHtml(action)}" novalidate
  data-done="Your new password is set, and every session of your account was signed out. Sign in with your new password."
  data-expired="This link no longer works: it was used already, it expired, or a newer mail replaced it. Ask for a new password-reset mail.">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="text" name="username" autocomplete="username" hidden>
<label for="new-password">New password</label>
<input id="new-password" name="newPassword" type="password" autocomplete="new-password" required
  aria-describedby="password-hint field-error" autofocus>
<p id="password-hint" class="hint">${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes (letters, digits, spaces: a passphrase works well); not a common password, nor your email or username.</p>
<p id="field-error" class="error" hidden></p>
<button type="submit">Set new password</button>
</form>
${noScript}
<div id="outcome" tabindex="-1" role="alert" hidden></div>`,
  );
}

/** The page of VERIFY_EMAIL_URL: it confirms the address as it loads. */
export function verifyEmailPage(token: string | undefined, action: string): string {
  const title = 'Confirm your email address';
  if (!token) return page(title, `<p class="error" role="alert">${INVALID_LINK}</p>`);
  return page(
    title,
    `<form method="post" action="${escapeHtml(action)}" data-confirm="true" aria-describedby="checking"
  data-done="Your email address is confirmed. You can close this page."
  data-expired="This link no longer works: it was used already, it expired, or a newer mail replaced it. Sign in and ask for a new verification mail.">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<p id="checking">Confirming your address…</p>
<button type="submit">Try again</button>
</form>
${noScript}
<div id="outcome" tabindex="-1" role="alert" hidden></div>`,
  );
}
