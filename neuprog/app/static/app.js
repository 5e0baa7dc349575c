// The inspector page: ask a question, look at each step, edit the program and run it again.
// Everything shown comes from the server's JSON API; text is always set as text, never as HTML,
// because table cells and questions come from uploads and users.
"use strict";

const PAGE = 50;
const DOES = { rows: "selects", number: "computes", cells: "reads", truth: "answers" }; // what a step did, by the kind of value it gave
const $ = (id) => document.getElementById(id);
const state = {
  tables: [],
  table: null, // the id of the table shown
  maxUpload: 0,
  modelView: null, // the model's latest answer, to come back to after running an edited program
  view: null, // the answer shown: the model's or an edited program's
  step: null, // the step whose rows are highlighted, counting from 1
  offset: 0,
  history: [],
  rowsRequest: 0, // only the latest page request may draw the table
};

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body;
  try {
    body = await response.json();
  } catch {
    body = { error: `the server answered ${response.status} ${response.statusText}` };
  }
  if (!response.ok) {
    const error = new Error(body.error || `the server answered ${response.status}`);
    error.details = body;
    throw error;
  }
  return body;
}

const postJSON = (path, payload) =>
  api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function bar(probability) {
  const outer = element("span", "bar");
  const inner = element("span");
  inner.style.width = `${Math.round(probability * 100)}%`;
  outer.append(inner);
  return outer;
}

function showError(id, message) {
  $(id).textContent = message || "";
  $(id).hidden = !message;
}

const current = () => state.tables.find((table) => table.id === state.table);

// -- tables ------------------------------------------------------------------------------------

async function loadTables(choose) {
  const listing = await api("/api/tables");
  state.tables = listing.tables;
  state.maxUpload = listing.max_upload_bytes;
  const picker = $("table");
  picker.replaceChildren(
    ...state.tables.map((table) => {
      const option = element("option", null, `${table.name} (${table.rows.toLocaleString()} rows)`);
      option.value = table.id;
      return option;
    }),
  );
  const keep = state.tables.some((table) => table.id === state.table) ? state.table : null;
  const chosen = choose || keep || (state.tables[0] && state.tables[0].id);
  if (chosen) chooseTable(chosen);
  else $("table-info").textContent = "No tables yet: upload one.";
}

function chooseTable(id) {
  $("table").value = id;
  if (id === state.table && state.view) return;
  state.table = id;
  const table = current();
  $("table-info").textContent = `${table.rows.toLocaleString()} rows × ${table.columns} columns`;
  clearAnswer();
  showRows(0);
}

function clearAnswer() {
  state.view = state.modelView = null;
  state.step = null;
  $("result").hidden = true;
  showError("program-error", "");
  showError("ask-error", "");
  $("only-selected").checked = false;
}

async function upload(file) {
  showError("upload-error", "");
  if (file.size > state.maxUpload) {
    showError("upload-error", `${file.name} is ${file.size.toLocaleString()} bytes, over the upload limit of ${state.maxUpload.toLocaleString()}`);
    return;
  }
  try {
    const options = { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file };
    const table = await api(`/api/tables?name=${encodeURIComponent(file.name)}`, options);
    await loadTables(table.id);
  } catch (error) {
    showError("upload-error", error.message);
  } finally {
    $("upload").value = "";
  }
}

// -- asking and running --------------------------------------------------------------------------

async function ask(question) {
  if (!state.table || !question.trim()) return;
  showError("ask-error", "");
  $("ask").disabled = true;
  try {
    const view = await postJSON("/api/ask", { table: state.table, question });
    state.modelView = view;
    showAnswer(view, true);
    remember(question, view);
  } catch (error) {
    showError("ask-error", error.message);
  } finally {
    $("ask").disabled = false;
  }
}

async function runProgram() {
  showError("program-error", "");
  const program = $("program");
  try {
    showAnswer(await postJSON("/api/run", { table: state.table, program: program.value }), false);
  } catch (error) {
    const where = error.details || {};
    showError("program-error", error.message);
    const lines = program.value.split("\n");
    let line = where.line;
    if (!line && where.step) line = lines.findIndex((text) => text.trim().startsWith(`s${where.step} `)) + 1 || undefined;
    if (line) {
      const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
      const at = start + (where.column ? where.column - 1 : 0);
      program.focus();
      program.setSelectionRange(at, where.column ? at + 1 : start + lines[line - 1].length);
    }
  }
}

function showAnswer(view, fromModel) {
  state.view = view;
  $("result").hidden = false;
  const answered = view.status === "answered";
  $("answer-box").classList.toggle("unanswered", !answered);
  $("answer-label").textContent = fromModel ? "Answer" : "Answer of the edited program";
  $("answer").textContent = answered ? view.answer : view.status === "empty" ? "(empty)" : "no answer";
  $("status").textContent = answered ? "" : view.reason || "";
  $("confidence-row").hidden = !fromModel;
  if (fromModel) {
    $("confidence").textContent = view.confidence.toFixed(2);
    $("confidence-bar").style.width = `${Math.round(view.confidence * 100)}%`;
    $("program").value = view.program;
    showError("program-error", "");
  }
  $("how").textContent = view.how ? `How: ${view.how}` : "";
  $("restore").hidden = fromModel || !state.modelView;
  $("steps-title").textContent = fromModel ? `The model's ${view.steps.length} steps` : `The program's ${view.steps.length} steps`;
  $("steps-hint").textContent = fromModel
    ? "Each with the model's top choices of op, column and constant; faded steps are left out of the minimal program. Click a step to see the rows selected after it."
    : "Click a step to see the rows selected after it.";
  drawSteps(view, fromModel);
  selectStep(view.steps.length);
}

function drawSteps(view, fromModel) {
  const items = view.steps.map((step) => {
    const item = element("li", "step");
    item.dataset.step = step.number;
    if (fromModel && step.kept === null) item.classList.add("dropped");
    const head = element("div");
    head.append(element("code", null, step.text));
    const notes = [];
    if (fromModel) notes.push(step.kept === null ? `dropped: ${step.dropped}` : `kept as s${step.kept}`);
    if (step.kind) notes.push(`${DOES[step.kind]} ${step.value}`);
    head.append(element("div", "note", notes.join(" · ")));
    item.append(head);
    if (fromModel) item.append(choices(step));
    item.addEventListener("click", () => selectStep(step.number));
    return item;
  });
  $("steps").replaceChildren(...items);
}

function choices(step) {
  const grid = element("div", "choices");
  for (const [title, key] of [["op", "ops"], ["column", "columns"], ["constant", "constants"]]) {
    grid.append(element("span", "title", title));
    const row = element("span", "alternatives");
    if (!step[key].length) row.append(element("span", "muted", "(not used)"));
    for (const [label, probability] of step[key]) {
      const alternative = element("span", "alternative");
      alternative.append(element("span", null, label), bar(probability), element("span", "muted", probability.toFixed(2)));
      row.append(alternative);
    }
    grid.append(row);
  }
  return grid;
}

function selectStep(number) {
  state.step = number;
  for (const item of $("steps").children) item.classList.toggle("current", Number(item.dataset.step) === number);
  const rows = state.view.steps[number - 1].rows;
  const first = rows && rows.ids.length && !$("only-selected").checked ? rows.ids[0] : 0;
  showRows(Math.floor(first / PAGE) * PAGE);
}

// -- rows ----------------------------------------------------------------------------------------

async function showRows(offset) {
  state.offset = Math.max(0, offset);
  const request = ++state.rowsRequest;
  const query = new URLSearchParams({ offset: state.offset, limit: PAGE });
  if (state.view) {
    query.set("answer", state.view.answer_id);
    query.set("step", state.step);
    if ($("only-selected").checked) query.set("only_selected", "1");
  }
  try {
    const page = await api(`/api/tables/${encodeURIComponent(state.table)}/rows?${query}`);
    if (request === state.rowsRequest) drawRows(page);
  } catch (error) {
    if (request === state.rowsRequest) showError("ask-error", error.message);
  }
}

function drawRows(page) {
  const head = element("tr");
  head.append(element("th", null, "row"), ...page.header.map((name) => element("th", null, name)));
  $("rows").tHead.replaceChildren(head);
  const body = page.rows.map((row) => {
    const line = element("tr", row.selected ? "selected" : null);
    line.dataset.row = row.id;
    line.append(element("td", "id", row.id + 1));
    row.cells.forEach((text, column) => {
      const cell = element("td", row.answer.includes(column) ? "answer" : null, text);
      cell.title = text;
      line.append(cell);
    });
    return line;
  });
  $("rows").tBodies[0].replaceChildren(...body);
  const last = page.offset + page.rows.length;
  const of = $("only-selected").checked && state.view ? "selected rows" : "rows";
  $("rows-range").textContent = page.total ? `${of} ${page.offset + 1}–${last} of ${page.total.toLocaleString()}` : `no ${of}`;
  $("prev").disabled = page.offset === 0;
  $("next").disabled = last >= page.total;
  const table = current();
  const selected = page.selected_count === null ? "" : ` · ${page.selected_count.toLocaleString()} selected after s${state.step}`;
  $("rows-title").textContent = `${table ? table.name : ""}${selected}`;
}

// -- history -------------------------------------------------------------------------------------

function remember(question, view) {
  const table = current();
  state.history.unshift({ table: state.table, tableName: table.name, question, answer: view.status === "answered" ? view.answer : `(${view.status})` });
  const items = state.history.map((entry) => {
    const item = element("li");
    const again = element("button", null, entry.question);
    again.type = "button";
    again.title = "ask again";
    again.addEventListener("click", () => {
      if (!state.tables.some((t) => t.id === entry.table)) return showError("ask-error", `${entry.tableName} is no longer on the server`);
      chooseTable(entry.table);
      $("question").value = entry.question;
      ask(entry.question);
    });
    item.append(again, element("div", "muted", `${entry.tableName} → ${entry.answer}`));
    return item;
  });
  $("history").replaceChildren(...items);
}

// -- wiring --------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("table").addEventListener("change", (event) => chooseTable(event.target.value));
  $("upload").addEventListener("change", (event) => event.target.files[0] && upload(event.target.files[0]));
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    ask($("question").value);
  });
  $("run").addEventListener("click", runProgram);
  $("program").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runProgram();
    }
  });
  $("restore").addEventListener("click", () => state.modelView && showAnswer(state.modelView, true));
  $("only-selected").addEventListener("change", () => showRows(0));
  $("prev").addEventListener("click", () => showRows(state.offset - PAGE));
  $("next").addEventListener("click", () => showRows(state.offset + PAGE));
  loadTables().catch((error) => showError("upload-error", error.message));
});
