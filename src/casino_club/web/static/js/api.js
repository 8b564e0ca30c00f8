// The one API client: /api prefix, bearer token kept in memory only, one refresh-and-retry on 401
// (POST /api/auth/refresh with the httpOnly cookie), backoff on 429/5xx honouring Retry-After, an
// Idempotency-Key on every write (the same key on every retry of that action), the last error kept,
// Accept-Language from the chosen language. Network failures wait on the banner's Retry button.
import { getLang, t } from "./i18n.js";
import { notifyFailure, waitForRetry } from "./net.js";

let accessToken = null;
let tokenExp = 0;
let refreshing = null;
let lastError = null;
const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const MAX_RETRIES = 4;
const MAX_QUIET_WAIT_MS = 5000;

export class ApiError extends Error {
  constructor(status, code, message, details = {}, requestId = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }
}

export function getLastError() {
  return lastError;
}

export function setToken(token, expiresIn) {
  accessToken = token;
  tokenExp = token ? Date.now() + (Number(expiresIn) || 900) * 1000 : 0;
}

export function newKey() {
  return crypto.randomUUID();
}

function delayFor(response, attempt) {
  const header = response && response.headers.get("Retry-After");
  const seconds = header ? Number(header) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return Math.min(400 * 2 ** attempt, 4000) + Math.floor(Math.random() * 200);
}

async function toError(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  const err = body && body.error ? body.error : {};
  return new ApiError(response.status, err.code || `HTTP_${response.status}`,
    err.message || t("error.generic"), err.details || {}, err.request_id || null);
}

const INFLIGHT_KEY = "cc-refresh-inflight";
const INFLIGHT_WAIT_MS = 3000;

function inflightSince() {
  try { return Number(localStorage.getItem(INFLIGHT_KEY)) || 0; } catch { return 0; }
}

function markInflight(on) {
  try {
    if (on) localStorage.setItem(INFLIGHT_KEY, String(Date.now()));
    else localStorage.removeItem(INFLIGHT_KEY);
  } catch { /* storage disabled: the lock alone serialises */ }
}

/** Wait while another page's refresh may still be on its way (its Set-Cookie not yet stored). */
async function waitForOtherRefresh() {
  for (;;) {
    const since = inflightSince();
    if (!since || Date.now() - since > INFLIGHT_WAIT_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Exchange the httpOnly refresh cookie for a new access token (one at a time per tab, across tabs and pages). */
export function refreshToken() {
  if (refreshing) return refreshing;
  const run = async () => {
    // A page left mid-refresh keeps the marker: its request went on (keepalive) and rotated the token, so
    // sending the cookie we hold now would be reuse and revoke the session. Wait for that answer to land.
    await waitForOtherRefresh();
    markInflight(true);
    // Cleared only once an answer came: a page torn down mid-request sees its fetch fail and must not
    // clear it (that request goes on without it). A real network failure costs the next refresh a short wait.
    const response = await fetch("/api/auth/refresh", {
      method: "POST", credentials: "same-origin", keepalive: true, // survives leaving the page
      headers: { "Accept-Language": getLang(), "Content-Type": "application/json" }, body: "{}",
    });
    markInflight(false);
    if (!response.ok) {
      setToken(null);
      throw await toError(response);
    }
    const data = await response.json();
    setToken(data.access_token, data.expires_in);
    return data;
  };
  // The refresh token rotates on every use: two tabs refreshing at once would look like reuse.
  const locked = navigator.locks ? () => navigator.locks.request("cc-refresh", run) : run;
  refreshing = locked().finally(() => { refreshing = null; });
  return refreshing;
}

/** A token that is valid for at least another 30 s (for the WebSocket URL). */
export async function freshToken() {
  if (!accessToken || Date.now() > tokenExp - 30000) await refreshToken();
  return accessToken;
}

/**
 * api(path, {method, body, key, auth, query}) -> parsed JSON (or null for 204).
 * Throws ApiError for HTTP errors after retries; never throws for a lost network: it waits for Retry.
 */
export async function api(path, opts = {}) {
  const method = (opts.method || "GET").toUpperCase();
  const isWrite = WRITE.has(method);
  const key = isWrite ? (opts.key || newKey()) : null;
  let url = path.startsWith("/api") ? path : `/api${path}`;
  if (opts.query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== "") qs.set(k, v);
    const s = qs.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  let refreshed = false;
  let attempt = 0;
  for (;;) {
    const headers = { "Accept-Language": getLang(), Accept: "application/json" };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    if (opts.auth !== false && accessToken) headers.Authorization = `Bearer ${accessToken}`;
    let response;
    try {
      response = await fetch(url, {
        method, headers, credentials: "same-origin",
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (networkError) {
      lastError = new ApiError(0, "NETWORK", t("net.offline"));
      notifyFailure({ kind: "network", path });
      await waitForRetry();
      continue;
    }
    if (response.status === 401 && opts.auth !== false && !refreshed) {
      refreshed = true;
      try {
        await refreshToken();
        continue;
      } catch {
        // fall through: the 401 stands
      }
    }
    const inFlight = response.status === 409 && response.headers.get("content-type")?.includes("json")
      && (await response.clone().json().catch(() => ({})))?.error?.code === "IDEMPOTENCY_IN_FLIGHT";
    const wait = delayFor(response, attempt);
    // Short waits are retried quietly; a long Retry-After (login lockout, purchase velocity) is shown.
    if ((RETRY_STATUS.has(response.status) || inFlight) && attempt < MAX_RETRIES && wait <= MAX_QUIET_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      attempt += 1;
      continue;
    }
    if (!response.ok) {
      const err = await toError(response);
      lastError = err;
      if (response.status === 401 && opts.auth !== false) {
        window.dispatchEvent(new CustomEvent("cc:unauthorized"));
      }
      notifyFailure({ kind: "http", status: response.status, code: err.code, path });
      throw err;
    }
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }
}

export const get = (path, query) => api(path, { query });
export const post = (path, body, opts = {}) => api(path, { ...opts, method: "POST", body: body ?? {} });
export const put = (path, body, opts = {}) => api(path, { ...opts, method: "PUT", body: body ?? {} });
export const del = (path, opts = {}) => api(path, { ...opts, method: "DELETE" });

/** The message to show for an error (server messages already come in the chosen language). */
export function errorText(err) {
  if (!err) return "";
  if (err instanceof ApiError) {
    if (err.code === "VALIDATION_ERROR" && err.details && Array.isArray(err.details.fields) && err.details.fields.length) {
      const f = err.details.fields[0];
      const field = Array.isArray(f.loc) ? f.loc[f.loc.length - 1] : "";
      return `${err.message} (${field}: ${f.msg})`;
    }
    return err.message;
  }
  return t("error.generic");
}
