// A styled confirm dialog (<dialog>, focus kept inside, Esc = cancel) instead of window.confirm.
import { h } from "./fmt.js";
import { t } from "./i18n.js";

/** Ask before a destructive action; resolves true only when the player or admin confirms. */
export function confirmDialog(text, { okLabel = t("common.confirm"), danger = true } = {}) {
  return new Promise((resolve) => {
    const ok = h("button", { type: "button", class: `btn btn-sm ${danger ? "btn-danger" : "btn-primary"}`, testid: "confirm-ok" }, okLabel);
    const cancel = h("button", { type: "button", class: "btn btn-sm btn-ghost", testid: "confirm-cancel" }, t("common.cancel"));
    const message = h("p", { id: "confirm-text", class: "confirm-text" }, text);
    const dialog = h("dialog", { class: "confirm-dialog", testid: "confirm-dialog", "aria-labelledby": "confirm-text" },
      message, h("div", { class: "row confirm-actions" }, cancel, ok));
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    ok.addEventListener("click", () => close(true));
    cancel.addEventListener("click", () => close(false));
    dialog.addEventListener("cancel", (ev) => { ev.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}
