// The network-failure banner: requests that could not reach the server wait here until the player
// presses Retry; every waiter then repeats its request (with its original idempotency key).
import { t } from "./i18n.js";

let waiters = [];
const failureListeners = new Set();

function banner() {
  return document.getElementById("net-banner");
}

function showBanner() {
  const el = banner();
  if (el) el.hidden = false;
}

function hideBanner() {
  const el = banner();
  if (el) el.hidden = true;
}

/** Resolves when the player presses Retry (or `retryNow()` is called). */
export function waitForRetry() {
  showBanner();
  return new Promise((resolve) => waiters.push(resolve));
}

function retryNow() {
  const pending = waiters;
  waiters = [];
  hideBanner();
  for (const resolve of pending) resolve();
  notifyFailure({ kind: "retry" });
}

/** Listeners run after any failed request (used to re-read the balance from the server). */
export function onFailure(fn) {
  failureListeners.add(fn);
  return () => failureListeners.delete(fn);
}

export function notifyFailure(info) {
  for (const fn of failureListeners) {
    try { fn(info); } catch (err) { console.error(err); }
  }
}

export function initNet() {
  const button = document.getElementById("net-retry");
  if (button) button.addEventListener("click", retryNow);
  const el = banner();
  if (el) el.setAttribute("aria-label", t("net.offline"));
}
