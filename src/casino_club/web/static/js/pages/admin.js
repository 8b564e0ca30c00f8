// Admin console shell: loads the section module (users, products, …) named by the page.
import { t } from "../i18n.js";
import { getState } from "../store.js";
import { showError } from "../admin/kit.js";

export async function mount(root) {
  const host = root.querySelector("#admin-root");
  const section = host.dataset.section;
  if (getState().profile && getState().profile.role !== "admin") {
    root.querySelector("#admin-error").textContent = t("admin.notAdmin");
    return undefined;
  }
  try {
    const mod = await import(`../admin/${section}.js`);
    return await mod.mount(host);
  } catch (e) {
    showError(host, e);
    return undefined;
  }
}
