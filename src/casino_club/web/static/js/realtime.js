// Realtime client for /api/realtime/sync: reconnects with backoff, resumes from the last seq,
// drops duplicates by event id, and re-hydrates on resync_required.
import { freshToken, refreshToken } from "./api.js";

const listeners = new Map(); // type -> Set(fn)
const seenIds = new Set();
const seenOrder = [];
let socket = null;
let lastSeq = null; // null until the first snapshot: 0 is a real position (no events yet)
let attempt = 0;
let timer = null;
let onResync = null;

export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type)?.delete(fn);
}

function dispatch(env) {
  for (const fn of listeners.get(env.type) || []) {
    try { fn(env.data || {}, env); } catch (err) { console.error(err); }
  }
}

function remember(id) {
  if (!id) return true;
  if (seenIds.has(id)) return false;
  seenIds.add(id);
  seenOrder.push(id);
  if (seenOrder.length > 2000) seenIds.delete(seenOrder.shift());
  return true;
}

let resyncing = false;

function handle(env) {
  if (!env || typeof env !== "object") return;
  if (env.seq === null || env.seq === undefined) {
    // Control frames: sync_connected, snapshot, resumed, resync_required, pong, error.
    if (env.type === "sync_connected") {
      document.body.dataset.realtime = "on";
    } else if (env.type === "snapshot") {
      // First connection (or after resync_required): continue from the snapshot's seq. On a plain
      // reconnect we keep our own last_seq so the resume replays what we missed (with its toasts).
      if ((lastSeq === null || resyncing) && typeof env.data?.seq === "number") lastSeq = env.data.seq;
      resyncing = false;
    } else if (env.type === "resync_required") {
      resyncing = true;
      if (onResync) onResync();
    }
    dispatch(env);
    return;
  }
  const first = typeof env.coalesced_from === "number" ? env.coalesced_from : env.seq;
  if ((lastSeq !== null && env.seq <= lastSeq) || !remember(env.id)) return; // already applied (replayed after resume)
  if (lastSeq !== null && first > lastSeq + 1 && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: "resume", last_seq: lastSeq })); // a gap: ask for the missing events
    seenIds.delete(env.id);
    return;
  }
  lastSeq = env.seq;
  dispatch(env);
}

let opening = false;

async function open() {
  if (socket || opening) return;
  opening = true;
  let token;
  try {
    token = await freshToken();
  } catch {
    schedule();
    return;
  } finally {
    opening = false;
  }
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/api/realtime/sync?token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.addEventListener("open", () => {
    attempt = 0;
    if (lastSeq !== null) ws.send(JSON.stringify({ type: "resume", last_seq: lastSeq }));
  });
  ws.addEventListener("message", (msg) => {
    let env;
    try { env = JSON.parse(msg.data); } catch { return; }
    if (env && env.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
      return;
    }
    handle(env);
  });
  ws.addEventListener("close", async (ev) => {
    document.body.dataset.realtime = "off";
    if (socket !== ws) return;
    socket = null;
    if (ev.code === 4401) {
      try { await refreshToken(); } catch { /* the next attempt retries */ }
    }
    schedule();
  });
}

function schedule() {
  if (timer) return;
  const delay = Math.min(15000, 500 * 2 ** attempt) + Math.floor(Math.random() * 300);
  attempt += 1;
  timer = setTimeout(() => { timer = null; open(); }, delay);
}

export function connect(resyncHandler) {
  onResync = resyncHandler;
  open();
  window.addEventListener("online", () => {
    clearTimeout(timer);
    timer = null;
    attempt = 0;
    open();
  });
}
