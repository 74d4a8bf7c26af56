// The warroom sandbox page: polls the server for its regions (HTML rendered by the server) and
// turns what you do into POST /sandbox/actions/<name>. No framework, no build step.
(() => {
  "use strict";

  const boot = JSON.parse(document.getElementById("boot").textContent);
  const REGIONS = ["sidebar", "status", "banners", "header", "pins", "messages", "modal", "log"];
  const POLL_MS = 800;
  const params = new URLSearchParams(location.search);
  const state = {
    as: params.get("as") || localStorage.getItem("warroom-sandbox-as") || boot.as,
    channel: params.get("channel") || boot.channel,
    etag: null,
    regions: {},
    inFlight: false,
    again: false,
    timer: null,
    overlay: null,
  };
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  // --- talking to the server ------------------------------------------------------------------

  async function post(name, body) {
    let answer;
    try {
      const response = await fetch(`/sandbox/actions/${name}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      answer = await response.json();
    } catch (error) {
      answer = { ok: false, message: "The sandbox server is not reachable." };
    }
    if (!answer.ok && answer.message && !answer.shown) toast(answer.message);
    refreshNow();
    return answer;
  }

  function refreshNow() {
    clearTimeout(state.timer);
    if (state.inFlight) {
      state.again = true;
      return;
    }
    poll();
  }

  async function poll() {
    state.inFlight = true;
    const asked = { as: state.as, channel: state.channel };
    const query = new URLSearchParams(asked);
    try {
      const headers = state.etag ? { "If-None-Match": state.etag } : {};
      const response = await fetch(`/sandbox/state?${query}`, { headers, cache: "no-store" });
      const stale = asked.as !== state.as || asked.channel !== state.channel;
      if (stale) {
        state.again = true; // the person switched while this was on its way: ask again
      } else if (response.status === 200) {
        state.etag = response.headers.get("ETag");
        apply(await response.json());
      }
      offline(false);
    } catch (error) {
      offline(true);
    } finally {
      state.inFlight = false;
      if (state.again) {
        state.again = false;
        poll();
      } else {
        state.timer = setTimeout(poll, POLL_MS);
      }
    }
  }

  function offline(isOffline) {
    document.body.classList.toggle("offline", isOffline);
  }

  // --- applying a state -----------------------------------------------------------------------

  function apply(data) {
    const switched = data.channel !== state.channel || data.as !== state.as;
    state.channel = data.channel;
    document.title = data.title;
    const url = new URL(location.href);
    url.searchParams.set("as", state.as);
    url.searchParams.set("channel", state.channel);
    history.replaceState(null, "", url);
    for (const name of REGIONS) {
      const html = data.regions[name];
      if (html === state.regions[name]) continue;
      const first = state.regions[name] === undefined;
      state.regions[name] = html;
      if (name === "messages") replaceMessages(html, switched || first);
      else if (name === "modal") replaceModal(html);
      else document.getElementById(`region-${name}`).innerHTML = html;
    }
    applyComposer(data.composer);
  }

  function replaceMessages(html, jumpToEnd) {
    const scroller = $("#scroller");
    const region = $("#region-messages");
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const before = new Map($$(".msg[data-sig]", region).map((m) => [m.dataset.ts, m.dataset.sig]));
    const top = scroller.scrollTop;
    region.innerHTML = html;
    if (!jumpToEnd) {
      for (const message of $$(".msg[data-sig]", region)) {
        const old = before.get(message.dataset.ts);
        if (old !== undefined && old !== message.dataset.sig) flash(message);
      }
    }
    scroller.scrollTop = jumpToEnd || atEnd ? scroller.scrollHeight : top;
  }

  function flash(element) {
    element.classList.add("flash");
    setTimeout(() => element.classList.remove("flash"), 1600);
  }

  function replaceModal(html) {
    const region = $("#region-modal");
    const oldForm = $("form.modal", region);
    const kept = oldForm ? { id: oldForm.dataset.viewId, values: fieldValues(oldForm, true) } : null;
    region.innerHTML = html;
    const form = $("form.modal", region);
    if (!form) return;
    if (kept && kept.id === form.dataset.viewId) restoreFields(form, kept.values);
    else {
      const first = $(".bk-field input, .bk-field textarea, input.bk-field, textarea.bk-field, select.bk-field", form);
      if (first) first.focus();
    }
  }

  function applyComposer(composer) {
    const form = $("#composer");
    const joinBar = $("#join-bar");
    const text = $("#composer-text");
    text.placeholder = composer.placeholder;
    form.hidden = composer.mode !== "compose";
    joinBar.hidden = composer.mode !== "join";
    $("span", joinBar).textContent = `You are not a member of ${composer.label}.`;
  }

  // --- modal fields ---------------------------------------------------------------------------

  function fieldKey(element) {
    return `${element.dataset.blockId}\u0000${element.dataset.actionId}`;
  }

  function fieldValue(element) {
    const kind = element.dataset.kind;
    if (kind === "checkboxes") return $$("input:checked", element).map((i) => i.value);
    if (kind === "radio_buttons") {
      const checked = $("input:checked", element);
      return checked ? checked.value : null;
    }
    if (element.tagName === "SELECT") {
      if (element.multiple) return Array.from(element.selectedOptions).map((o) => o.value);
      return element.value || null;
    }
    return element.value === "" ? null : element.value;
  }

  function fieldValues(form, raw = false) {
    const values = raw ? new Map() : {};
    for (const element of $$(".bk-field", form)) {
      const value = fieldValue(element);
      if (raw) values.set(fieldKey(element), value);
      else {
        const block = (values[element.dataset.blockId] ||= {});
        block[element.dataset.actionId] = value;
      }
    }
    return values;
  }

  function restoreFields(form, values) {
    for (const element of $$(".bk-field", form)) {
      if (!values.has(fieldKey(element))) continue;
      const value = values.get(fieldKey(element));
      const kind = element.dataset.kind;
      if (kind === "checkboxes" || kind === "radio_buttons") {
        const chosen = new Set([].concat(value ?? []));
        for (const input of $$("input", element)) input.checked = chosen.has(input.value);
      } else if (element.tagName === "SELECT" && element.multiple) {
        const chosen = new Set(value || []);
        for (const option of element.options) option.selected = chosen.has(option.value);
      } else {
        element.value = value ?? "";
      }
    }
  }

  // --- interactive elements -------------------------------------------------------------------

  function containerOf(element) {
    const form = element.closest("form.modal, form.home-view");
    if (form) return { view_id: form.dataset.viewId, values: fieldValues(form) };
    const message = element.closest(".msg");
    if (message) return { channel: message.dataset.channel, ts: message.dataset.ts };
    return {};
  }

  async function act(element, value, where) {
    const confirm = element.dataset.confirm ? JSON.parse(element.dataset.confirm) : null;
    if (confirm && !(await confirmDialog(confirm))) return;
    if (element.dataset.url) window.open(element.dataset.url, "_blank", "noopener");
    await post("click", {
      as: state.as,
      action_id: element.dataset.actionId,
      block_id: element.dataset.blockId,
      value: value === undefined ? null : value,
      ...(where || containerOf(element)),
    });
  }

  function confirmDialog(data) {
    return new Promise((resolve) => {
      closeOverlay();
      const root = $("#overlay-root");
      const backdrop = document.createElement("div");
      backdrop.className = "confirm-backdrop";
      backdrop.innerHTML = `<div class="confirm" role="dialog" aria-modal="true">
        <h3></h3><div class="confirm-text"></div>
        <div class="confirm-buttons"><button type="button" data-answer="no"></button>
        <button type="button" data-answer="yes"></button></div></div>`;
      $("h3", backdrop).textContent = data.title;
      $(".confirm-text", backdrop).innerHTML = data.html; // rendered and escaped by the server
      const yes = $('[data-answer="yes"]', backdrop);
      const no = $('[data-answer="no"]', backdrop);
      yes.textContent = data.confirm;
      no.textContent = data.deny;
      yes.className = data.style === "danger" ? "danger" : "primary";
      const finish = (answer) => {
        backdrop.remove();
        document.removeEventListener("keydown", onKey, true);
        resolve(answer);
      };
      const onKey = (event) => {
        if (event.key === "Escape") {
          event.stopPropagation();
          finish(false);
        }
      };
      document.addEventListener("keydown", onKey, true);
      yes.addEventListener("click", () => finish(true));
      no.addEventListener("click", () => finish(false));
      root.appendChild(backdrop);
      yes.focus();
    });
  }

  // --- floating menus (reaction picker, shortcuts, overflow) ----------------------------------

  function openOverlay(anchor, html, context) {
    closeOverlay();
    const menu = document.createElement("div");
    menu.className = "floating";
    menu.innerHTML = html;
    $("#overlay-root").appendChild(menu);
    const box = anchor.getBoundingClientRect();
    const left = Math.min(box.left, window.innerWidth - menu.offsetWidth - 8);
    const below = box.bottom + 4 + menu.offsetHeight < window.innerHeight;
    menu.style.left = `${Math.max(8, left)}px`;
    menu.style.top = `${below ? box.bottom + 4 : box.top - menu.offsetHeight - 4}px`;
    state.overlay = { element: menu, context };
    return menu;
  }

  function closeOverlay() {
    if (state.overlay) state.overlay.element.remove();
    state.overlay = null;
  }

  function reactionPicker(anchor, message) {
    const choices = boot.reactions
      .map((r) => `<button type="button" class="pick" data-pick="${r.name}" title=":${r.name}:">${r.char}</button>`)
      .join("");
    const menu = openOverlay(
      anchor,
      `<div class="picker">${choices}</div><form class="pick-other"><input name="emoji" placeholder="any emoji name, e.g. pushpin" aria-label="Emoji name"><button type="submit">Add</button></form>`,
      { channel: message.dataset.channel, ts: message.dataset.ts },
    );
    $("input", menu).focus();
  }

  // --- event handling -------------------------------------------------------------------------

  document.addEventListener("click", async (event) => {
    const target = event.target;
    const overlay = state.overlay;
    if (overlay && !overlay.element.contains(target) && !target.closest(".tool, .bk-overflow-toggle")) {
      closeOverlay();
    }
    const link = target.closest("a[data-channel]");
    if (link) {
      event.preventDefault();
      switchChannel(link.dataset.channel);
      return;
    }
    const scrollTo = target.closest("[data-scroll]");
    if (scrollTo) {
      event.preventDefault();
      const message = document.getElementById(`m-${scrollTo.dataset.scroll}`);
      if (message) {
        message.scrollIntoView({ block: "center" });
        flash(message);
      }
      return;
    }
    const button = target.closest("button");
    if (!button) return;
    const data = button.dataset;
    if (data.openDm) {
      const answer = await post("open_dm", { as: state.as });
      if (answer.ok) switchChannel(answer.channel);
    } else if (data.toggle === "pins") {
      $("#pins-panel").hidden = !$("#pins-panel").hidden;
    } else if (data.toggle === "log") {
      $("#log-panel").hidden = !$("#log-panel").hidden;
    } else if (data.bot) {
      await post("bot", { run: data.bot === "start" });
    } else if (data.beat) {
      await post("beat", { monitor: data.beat });
    } else if (data.dismissErrors) {
      await post("dismiss_errors", { at: parseFloat(data.dismissErrors) });
    } else if (data.dismissTs) {
      await post("dismiss", { as: state.as, ts: data.dismissTs });
    } else if (data.dismissNotice) {
      await post("dismiss", { as: state.as, notice_id: parseInt(data.dismissNotice, 10) });
    } else if (data.join) {
      await post("join", { as: state.as, channel: state.channel });
    } else if (data.modal) {
      const form = button.closest("form.modal");
      await post(data.modal === "back" ? "back" : "close_modal", { as: state.as, view_id: form.dataset.viewId });
    } else if (data.reaction) {
      const message = button.closest(".msg");
      const verb = button.classList.contains("mine") ? "unreact" : "react";
      await post(verb, { as: state.as, channel: message.dataset.channel, ts: message.dataset.ts, name: data.reaction });
    } else if (button.classList.contains("react")) {
      reactionPicker(button, button.closest(".msg"));
    } else if (button.classList.contains("more")) {
      const message = button.closest(".msg");
      const menu = $(".menu", button.parentElement);
      openOverlay(button, `<div class="menu">${menu.innerHTML}</div>`, { channel: message.dataset.channel, ts: message.dataset.ts });
    } else if (data.pick && overlay) {
      closeOverlay();
      await post("react", { as: state.as, ...overlay.context, name: data.pick });
    } else if (data.shortcut && overlay) {
      closeOverlay();
      await post("shortcut", { as: state.as, ...overlay.context, callback_id: data.shortcut });
    } else if (button.classList.contains("bk-overflow-toggle")) {
      const holder = button.parentElement;
      openOverlay(button, `<div class="menu">${$(".bk-menu", holder).innerHTML}</div>`, {
        holder,
        where: containerOf(holder),
      });
    } else if (button.classList.contains("bk-overflow-option") && overlay) {
      closeOverlay();
      const holder = overlay.context.holder;
      if (data.url) window.open(data.url, "_blank", "noopener");
      await act(holder, data.value, overlay.context.where);
    } else if (button.classList.contains("bk-act")) {
      await act(button, data.value ?? null);
    }
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    event.preventDefault();
    if (form.id === "composer") {
      sendComposer();
    } else if (form.classList.contains("modal")) {
      await post("submit", { as: state.as, view_id: form.dataset.viewId, values: fieldValues(form) });
    } else if (form.classList.contains("pick-other") && state.overlay) {
      const name = new FormData(form).get("emoji").toString().trim().replace(/^:|:$/g, "");
      const context = state.overlay.context;
      closeOverlay();
      if (name) await post("react", { as: state.as, ...context, name });
    }
  });

  document.addEventListener("change", async (event) => {
    const target = event.target;
    if (target.id === "as") {
      state.as = target.value;
      localStorage.setItem("warroom-sandbox-as", state.as);
      state.etag = null;
      refreshNow();
      return;
    }
    const element = target.closest(".bk-act");
    if (!element || element.tagName === "BUTTON" || element.tagName === "TEXTAREA") return;
    if (element.tagName === "INPUT" && element.type === "text") return; // sent on Enter
    await act(element, fieldValue(element));
  });

  document.addEventListener("keydown", async (event) => {
    const target = event.target;
    if (target.id === "composer-text") {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendComposer();
      } else if (event.key === "Escape") {
        $("#command-hints").hidden = true;
      }
      return;
    }
    if (event.key === "Enter" && target.matches("input.bk-act")) {
      event.preventDefault();
      await act(target, fieldValue(target));
      return;
    }
    if (event.key === "Escape") {
      if (state.overlay) closeOverlay();
      else {
        const form = $("#region-modal form.modal");
        if (form) await post("close_modal", { as: state.as, view_id: form.dataset.viewId });
      }
    }
  });

  // --- composer -------------------------------------------------------------------------------

  const composerText = $("#composer-text");

  async function sendComposer() {
    const text = composerText.value;
    if (!text.trim()) return;
    $("#command-hints").hidden = true;
    composerText.value = "";
    autosize();
    const answer = await post("line", { as: state.as, channel: state.channel, text });
    if (!answer.ok && answer.message === "The sandbox server is not reachable.") composerText.value = text;
  }

  function autosize() {
    composerText.style.height = "auto";
    composerText.style.height = `${Math.min(composerText.scrollHeight, 200)}px`;
  }

  composerText.addEventListener("input", () => {
    autosize();
    const text = composerText.value;
    const hints = $("#command-hints");
    if (!text.startsWith("/") || text.includes(" ")) {
      hints.hidden = true;
      return;
    }
    const matching = boot.commands.filter((c) => c.command.startsWith(text.toLowerCase()));
    hints.innerHTML = "";
    for (const command of matching) {
      const item = document.createElement("li");
      item.innerHTML = "<b></b> <span></span><div></div>";
      item.querySelector("b").textContent = command.command;
      item.querySelector("span").textContent = command.hint;
      item.querySelector("div").textContent = command.description;
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        composerText.value = `${command.command} `;
        hints.hidden = true;
        composerText.focus();
      });
      hints.appendChild(item);
    }
    hints.hidden = matching.length === 0;
  });

  // --- navigation and notices -----------------------------------------------------------------

  function switchChannel(channel) {
    state.channel = channel;
    state.etag = null;
    $("#pins-panel").hidden = true;
    refreshNow();
    composerText.focus();
  }

  function toast(message) {
    const element = document.createElement("div");
    element.className = "toast";
    element.textContent = message;
    $("#toasts").appendChild(element);
    setTimeout(() => element.remove(), 6000);
  }

  const asSelect = $("#as");
  if (asSelect.value !== state.as) asSelect.value = state.as;
  if (asSelect.value !== state.as) state.as = asSelect.value;
  poll();
})();
