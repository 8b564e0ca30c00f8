// The one client store for profile, balance and stats. It changes only from server responses and
// realtime events: gold is always a value the server sent, never computed here.
import { get } from "./api.js";

// The server's level curve (auth.models.XP_PER_LEVEL): xp_to_next follows from the total XP.
export const XP_PER_LEVEL = 500;

const state = {
  profile: null,   // /api/auth/me
  gold: null,      // latest server balance
  level: null,
  xp: null,
  xpToNext: null,
  stats: null,     // /api/games/stats/me
  pending: 0,      // pending purchases (shop badge)
  unread: 0,       // unread notifications (bell)
};
const listeners = new Set();

export function getState() {
  return state;
}

export function subscribe(fn) {
  listeners.add(fn);
  fn(state);
  return () => listeners.delete(fn);
}

function emit() {
  for (const fn of listeners) {
    try { fn(state); } catch (err) { console.error(err); }
  }
}

/** Apply a profile (from /auth/me or a profile_update event). */
export function setProfile(profile) {
  if (!profile) return;
  state.profile = { ...(state.profile || {}), ...profile };
  if (typeof profile.gold === "number") state.gold = profile.gold;
  if (typeof profile.level === "number") state.level = profile.level;
  if (typeof profile.xp === "number") state.xp = profile.xp;
  if (typeof profile.xp_to_next === "number") state.xpToNext = profile.xp_to_next;
  emit();
}

/**
 * Apply a server balance: a /users/balance body (`gold`), or a play/claim response (`balance`).
 * A streak claim's `xp` is the XP granted and its `total_xp` the new total; a play response's `xp` is the total.
 */
export function setBalance(body) {
  if (!body) return;
  const gold = typeof body.balance === "number" ? body.balance : typeof body.gold === "number" ? body.gold : null;
  if (gold !== null) state.gold = gold;
  if (typeof body.level === "number") state.level = body.level;
  const xp = typeof body.total_xp === "number" ? body.total_xp : typeof body.xp === "number" ? body.xp : null;
  if (xp !== null) {
    state.xp = xp;
    state.xpToNext = XP_PER_LEVEL - (xp % XP_PER_LEVEL);
  }
  if (gold !== null && state.profile) state.profile.gold = gold;
  emit();
}

export function setStats(stats) {
  state.stats = stats;
  emit();
}

export function setPending(count) {
  state.pending = Math.max(0, Number(count) || 0);
  emit();
}

export function setUnread(count) {
  state.unread = Math.max(0, Number(count) || 0);
  emit();
}

export async function refreshBalance() {
  setBalance(await get("/users/balance"));
}

export async function refreshStats() {
  try {
    setStats(await get("/games/stats/me"));
  } catch {
    // games may not be deployed yet: keep what we have
  }
}

export async function refreshPending() {
  try {
    const body = await get("/shop/pending-count");
    setPending(body.pending);
  } catch { /* shop not available */ }
}

export async function refreshUnread() {
  try {
    const body = await get("/notifications/unread-count");
    if (typeof body?.unread === "number") setUnread(body.unread);
  } catch { /* notifications not available */ }
}

/** Hydrate everything from the server (first load, resync_required, after failures). */
export async function hydrate() {
  const [me, balance] = await Promise.all([get("/auth/me"), get("/users/balance")]);
  setProfile(me);
  setBalance(balance);
  await Promise.all([refreshStats(), refreshPending(), refreshUnread()]);
}
