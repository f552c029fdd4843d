/** The API the preload exposes on `window.corescope` (absent when served to a plain browser). */
export interface CorescopeApi {
  versions: { electron: string; chrome: string; node: string };
}

declare global {
  interface Window {
    corescope?: CorescopeApi;
  }
}
