// Language: Korean by default, English switch remembered in localStorage and the `lang` cookie
// (the cookie makes the server render pages and error messages in the same language).
const STORAGE_KEY = "cc_lang";
const LANGS = ["ko", "en"];
let lang = detect();
let dict = {};

function detect() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage may be blocked */ }
  const cookie = document.cookie.match(/(?:^|; )lang=(ko|en)/);
  if (cookie) return cookie[1];
  return "ko";
}

function writeCookie(value) {
  document.cookie = `lang=${value}; path=/; max-age=31536000; samesite=lax`;
}

export function getLang() {
  return lang;
}

export async function loadI18n() {
  writeCookie(lang);
  const response = await fetch(`/static/i18n/${lang}.json`, { credentials: "same-origin" });
  dict = await response.json();
  document.documentElement.lang = lang;
}

/** Translate a key; `{name}` placeholders are filled from `vars`. */
export function t(key, vars) {
  let text = dict[key] ?? key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

/** Translate a key built from server data, or show `fallback` when the dictionary has no entry. */
export function tOr(key, fallback, vars) {
  return key in dict ? t(key, vars) : fallback;
}

/** Re-apply every data-i18n* attribute under `root` (after a language switch or a page swap). */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-alt]")) el.alt = t(el.dataset.i18nAlt);
  for (const el of root.querySelectorAll("[data-i18n-hint]")) el.dataset.hint = t(el.dataset.i18nHint);
  const title = document.querySelector("title[data-i18n-title]");
  if (title) title.textContent = `${t(title.dataset.i18nTitle)} · Casino-Club`;
  const sw = document.getElementById("lang-switch");
  if (sw) sw.textContent = lang === "ko" ? "EN" : "한국어";
}

async function setLang(next) {
  if (!LANGS.includes(next)) return;
  lang = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* ignore */ }
  await loadI18n();
  applyI18n();
  window.dispatchEvent(new CustomEvent("cc:lang", { detail: { lang } }));
}

export function toggleLang() {
  return setLang(lang === "ko" ? "en" : "ko");
}

/** "crash_payout" -> "Crash payouts": no ledger code reaches a page untranslated. */
export function reasonLabel(code) {
  if (!code) return "";
  if (`reason.${code}` in dict) return t(`reason.${code}`);
  const game = /^(slot|rps|gacha|crash)_(bet|payout)$/.exec(code);
  if (game) return t(`reason.${game[2]}`, { game: t(`game.${game[1]}`) });
  const reward = /^(.+)_reward$/.exec(code);
  if (reward) return t("reason.reward", { source: tOr(`source.${reward[1]}`, humanize(reward[1])) });
  return humanize(code);
}

function humanize(code) {
  const text = String(code).replaceAll("_", " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
