/**
 * Who the main process listens to. Every IPC message is checked against the window's own page:
 * the sender must be the window's web contents and the frame the top frame showing the app
 * (file:// in the packaged app, the dev server's origin under `electron-vite dev`).
 */

/** The Content-Security-Policy of every page the window shows (also a meta tag in index.html). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Whether `url` (a sending frame's URL) is the app's page. `appUrl` is the URL the window loaded:
 * a file URL (exact path match, ignoring query and hash) or an http(s) dev server (same origin).
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  let u: URL;
  let app: URL;
  try {
    u = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (app.protocol === 'file:') return u.protocol === 'file:' && u.pathname === app.pathname;
  if (app.protocol === 'http:' || app.protocol === 'https:') return u.origin === app.origin;
  return false;
}

/** The facts about an IPC message's sender the check needs (from Electron's event). */
export interface SenderFacts {
  /** The sender is the app window's own web contents. */
  fromAppWindow: boolean;
  /** The sending frame is the top frame. */
  topFrame: boolean;
  /** The sending frame's URL, or null if the frame is gone. */
  frameUrl: string | null;
}

/** Why a message is refused, or null if it is accepted. */
export function refuseSender(s: SenderFacts, appUrl: string): string | null {
  if (!s.fromAppWindow) return 'not from the app window';
  if (!s.topFrame) return 'not from the top frame';
  if (s.frameUrl === null) return 'the sending frame is gone';
  if (!isAppUrl(s.frameUrl, appUrl)) return `from a foreign page (${s.frameUrl})`;
  return null;
}
