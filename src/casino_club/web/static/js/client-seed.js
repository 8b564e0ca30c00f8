// Before a player's first round the browser replaces the server's placeholder client seed with one it
// draws itself (crypto.getRandomValues): the server seed was committed at sign-up, so from then on the
// operator cannot choose both inputs. Once per page load; a seed the player chose is never touched.
import { get, newKey, put } from "./api.js";
import { newClientSeed } from "./fair-verify.js";

let pending = null;

/** The fairness state, with a browser-made client seed if the player had none of their own yet. */
export function ensureClientSeed() {
  pending ??= (async () => {
    const state = await get("/fairness");
    if (state.client_seed_by_player) return state;
    return put("/fairness/client-seed", { client_seed: newClientSeed() }, { key: newKey() });
  })().catch((e) => { pending = null; throw e; });
  return pending;
}

/** Wait for ensureClientSeed before a bet; a failure there never blocks play (the round still verifies). */
export const seeded = () => ensureClientSeed().catch(() => null);
