// The schedule pages' behaviours (Gantt scrolling and fit, the predecessor picker). Every
// control also works, or is hidden, without this file.
(function () {
  "use strict";

  // --- Gantt --------------------------------------------------------------------------------

  // The width of the chart's visible part: the scroll box minus the sticky task grid.
  function visibleWidth(box) {
    const grid = box.querySelector(".gantt-grid");
    return Math.max(0, box.clientWidth - (grid ? grid.offsetWidth : 0));
  }

  // The server says where the chart should open (the first unfinished bar on screen); put that
  // a little in from the left edge. Without this file the chart opens at the plan's start.
  function openGantt(root) {
    root.querySelectorAll(".gantt-scroll[data-open-x]").forEach(function (box) {
      box.scrollLeft = Math.max(0, Number(box.dataset.openX) - 24);
    });
    root.querySelectorAll("[data-gantt-today]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-gantt-today]");
    if (!button) return;
    const box = document.querySelector(".gantt-scroll[data-today-x]");
    if (box) box.scrollLeft = Math.max(0, Number(box.dataset.todayX) - visibleWidth(box) / 3);
  });

  // Every request for the chart says how wide it is on this screen: the server fills that
  // width with the time axis, and "Fit" scales the whole plan into it.
  document.addEventListener("htmx:configRequest", function (event) {
    const target = event.detail.target;
    const box = document.querySelector("#gantt .gantt-scroll");
    if (!target || target.id !== "gantt" || !box) return;
    event.detail.parameters.width = Math.max(0, Math.round(visibleWidth(box) - 2));
  });

  // --- the predecessor picker -----------------------------------------------------------------

  // <input data-ref-picker="<id of the predecessors field>" list="…">: picking "12 · Name"
  // adds 12 to the predecessor text, once, and empties the search.
  document.addEventListener("change", function (event) {
    const search = event.target;
    if (!(search instanceof HTMLInputElement) || !search.dataset.refPicker) return;
    const match = /^\s*#?(\d+)\b/.exec(search.value);
    const field = document.getElementById(search.dataset.refPicker);
    if (!match || !field) return;
    const items = field.value.split(/[,;]/).map(function (item) { return item.trim(); })
      .filter(function (item) { return item !== ""; });
    const taken = items.some(function (item) { return (/^#?(\d+)/.exec(item) || [])[1] === match[1]; });
    if (!taken) items.push(match[1]);
    field.value = items.join(", ");
    search.value = "";
    field.focus();
  });

  document.addEventListener("DOMContentLoaded", function () { openGantt(document); });
  // An outerHTML swap replaces #gantt itself, so look in the whole page once it has settled;
  // rows appended inside the chart (the next window, on scroll) keep where the reader is.
  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail && event.detail.target;
    if (target && target.id !== "gantt" && target.closest && target.closest("#gantt")) return;
    openGantt(document);
  });
})();
