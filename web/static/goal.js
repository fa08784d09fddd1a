// The goal page, live: follows /api/goals/{id}/events with an EventSource and places each
// event in its lab's row and in the log. The server formats every value (`text` is the log
// line, `cell` the row value), so this only places text; it never builds HTML from data.
"use strict";

(function () {
  const root = document.getElementById("goal");
  if (!root || !window.EventSource) return;
  const FINAL = ["done", "failed"];
  const KINDS = ["goal", "phase", "trial", "spend", "submission", "verdict", "note", "error"];
  const COLUMNS = ["phase", "trials", "best", "spend", "preprint", "decision"];
  let lastId = Number(root.dataset.after || "0");
  if (FINAL.includes(root.dataset.status)) return;

  const live = document.getElementById("goal-live");
  const url = root.dataset.events + "?after=" + encodeURIComponent(String(lastId));
  const source = new EventSource(url);
  source.addEventListener("open", () => { live.hidden = false; });
  source.addEventListener("error", () => {
    live.hidden = true; // the browser reconnects by itself, sending Last-Event-ID
  });
  for (const kind of KINDS) {
    source.addEventListener(kind, (message) => handle(JSON.parse(message.data)));
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function badge(decision) {
    return el("span", { class: "badge badge-" + decision }, decision);
  }

  function preprintLink(id, title) {
    return el("a", { href: "/preprints/" + encodeURIComponent(id) }, title || id);
  }

  function handle(ev) {
    if (ev.id <= lastId) return;
    lastId = ev.id;
    appendLog(ev);
    if (ev.lab) updateLab(ev);
    if (ev.kind === "goal" && !ev.lab) updateGoal(ev.data);
  }

  function appendLog(ev) {
    const item = el("li", { class: "ev ev-" + ev.kind, "data-id": String(ev.id) });
    item.append(el("time", {}, String(ev.at).slice(11, 19)), " ");
    item.append(el("span", { class: "kind" }, ev.kind), " ");
    item.append(el("span", { class: "text" }, ev.text));
    document.getElementById("events").append(item);
  }

  function labRow(name) {
    const rows = document.getElementById("lab-rows");
    for (const row of rows.rows) if (row.dataset.lab === name) return row;
    const row = el("tr", { "data-lab": name });
    row.append(el("th", { scope: "row" }, name));
    for (const column of COLUMNS) {
      const cell = el("td", { "data-cell": column });
      if (column === "trials") cell.textContent = "0";
      if (column === "trials" || column === "best") cell.className = "num";
      if (column === "phase") {
        cell.removeAttribute("data-cell");
        cell.append(el("span", { "data-cell": "phase" }), " ");
        cell.append(el("span", { class: "lab-error", "data-cell": "error" }));
      }
      row.append(cell);
    }
    rows.append(row);
    document.getElementById("no-labs").hidden = true;
    return row;
  }

  function cell(row, name) {
    return row.querySelector('[data-cell="' + name + '"]');
  }

  function updateLab(ev) {
    const row = labRow(ev.lab);
    const data = ev.data || {};
    if (ev.kind === "phase") cell(row, "phase").textContent = ev.cell;
    if (ev.kind === "error") cell(row, "error").textContent = ev.cell;
    if (ev.kind === "spend") cell(row, "spend").textContent = ev.cell;
    if (ev.kind === "trial") {
      const trials = cell(row, "trials");
      trials.textContent = String(Number(trials.textContent || "0") + 1);
      if (data.best !== undefined && data.best !== null) cell(row, "best").textContent = ev.cell;
    }
    if (ev.kind === "submission" && data.preprint) showPreprint(row, ev.lab, data);
    if (ev.kind === "verdict" && data.decision) showDecision(row, data);
  }

  function showPreprint(row, lab, data) {
    cell(row, "preprint").replaceChildren(preprintLink(data.preprint, data.title));
    const list = document.getElementById("preprint-list");
    let item = list.querySelector('[data-preprint="' + CSS.escape(data.preprint) + '"]');
    if (!item) {
      item = el("li", { "data-preprint": data.preprint });
      list.append(item);
    }
    item.replaceChildren(preprintLink(data.preprint, data.title), " ",
      el("span", { class: "by" }, "by " + lab), " ", el("span", { "data-cell": "decision" }));
    document.getElementById("no-preprints").hidden = true;
  }

  function showDecision(row, data) {
    cell(row, "decision").replaceChildren(badge(data.decision));
    const list = document.getElementById("preprint-list");
    const item = list.querySelector('[data-preprint="' + CSS.escape(String(data.preprint)) + '"]');
    const target = item && cell(item, "decision");
    if (target) target.replaceChildren(badge(data.decision));
  }

  function updateGoal(data) {
    const status = document.getElementById("goal-status");
    status.textContent = data.status;
    status.className = "goal-status status-" + data.status;
    root.dataset.status = data.status;
    if (data.error) {
      const error = document.getElementById("goal-error");
      error.textContent = data.error;
      error.hidden = false;
    }
    if (FINAL.includes(data.status)) {
      source.close();
      live.hidden = true;
    }
  }
})();
