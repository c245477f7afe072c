// Charter's few behaviours that HTML alone cannot express. Every page works without this file.
(function () {
  "use strict";

  // <form data-confirm="Remove X?">: ask before a destructive submit.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <details data-menu>: one menu open at a time; a click outside or Escape closes it.
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // htmx leaves the page as it was when the server refuses (403, 404, 500): say so instead.
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    window.alert(status === 403
      ? "You are not allowed to make this change. Reload the page to see the current state."
      : "The change could not be saved (error " + status + "). Reload the page and try again.");
  });

  // <button data-print>: print the page (the charter has a print stylesheet).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // [data-busy] on a submit button or a download link: a spinner while the server works (sending
  // e-mails, drawing a PDF). A button is disabled so a second click does not send twice; a
  // download never leaves the page, so its spinner stops after a while or when the page is shown
  // again from the back/forward cache.
  function markBusy(element) {
    element.classList.add("is-busy");
    element.setAttribute("aria-busy", "true");
  }
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    const button = event.submitter || event.target.querySelector("[data-busy]");
    if (!button || !button.matches("[data-busy]")) return;
    markBusy(button);
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-busy]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    markBusy(link);
    window.setTimeout(function () {
      link.classList.remove("is-busy");
      link.removeAttribute("aria-busy");
    }, 8000);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll(".is-busy").forEach(function (element) {
      element.classList.remove("is-busy");
      element.removeAttribute("aria-busy");
      element.disabled = false;
    });
  });

  // A token shown once: focusing selects it, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  // <button data-copy="field-id" hidden>: copies the field's text. Shown only where the browser
  // allows copying (a secure origin); without it, focusing the field selects the text.
  if (navigator.clipboard) {
    document.querySelectorAll("button[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-copy]");
    const field = button && document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) return;
    if (!button.dataset.label) button.dataset.label = button.innerHTML;
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Copied";
      window.setTimeout(function () { button.innerHTML = button.dataset.label; }, 2000);
    });
  });
})();
