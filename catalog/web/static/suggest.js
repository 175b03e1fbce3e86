// The search box as an ARIA 1.2 combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/):
// /api/v1/suggest's suggestions are shown as the server gives them (pinyin and initials match
// names that do not contain the typed letters, which a <datalist> would filter away). Arrow keys
// move through them, Enter opens the chosen item's guide, Escape closes the list, and a polite
// live region says how many there are. Without this script the box is a plain search form.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch) return;
  var LIST_NAMES = { service: "办事服务", power: "权责", supervision: "监管", devolved: "下放" };
  var row = input.parentNode;
  var list = document.createElement("ul");
  var status = document.createElement("div");
  list.id = "q-suggestions";
  list.className = "combo-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "搜索建议");
  list.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  row.appendChild(list);
  row.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var options = [], active = -1, timer = null, asked = 0, shownFor = null;

  function guideUrl(id) {
    var parts = id.split(":");
    return "/items/" + encodeURIComponent(parts[0]) + "/" + encodeURIComponent(parts[1]);
  }

  function setActive(index) {
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
    } else {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function open() {
    if (!options.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function show(prefix, suggestions) {
    shownFor = prefix;
    options = suggestions.map(function (s, i) {
      var option = document.createElement("li"), name = document.createElement("span"), kind = document.createElement("span");
      option.id = "q-suggestion-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.url = guideUrl(s.id);
      name.textContent = s.text;
      kind.className = "kind";
      kind.textContent = LIST_NAMES[s.kind] || "";
      option.appendChild(name);
      option.appendChild(kind);
      return option;
    });
    list.replaceChildren.apply(list, options);
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (options.length) {
      open();
      status.textContent = "有 " + options.length + " 条建议，按上下方向键选择，按回车键打开办事指南。";
    } else {
      close();
      status.textContent = "没有建议，按回车键搜索。";
    }
  }

  function ask() {
    var prefix = input.value.trim();
    if (!prefix) { show("", []); status.textContent = ""; return; }
    if (prefix === shownFor) { open(); return; }
    var mine = ++asked;
    fetch("/api/v1/suggest?q=" + encodeURIComponent(prefix.slice(0, 50)) + "&limit=8")
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (suggestions) { if (mine === asked) show(prefix, suggestions); })
      .catch(function () { if (mine === asked) close(); });
  }

  function choose(index) {
    window.location.assign(options[index].dataset.url);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });

  input.addEventListener("keydown", function (event) {
    var expanded = !list.hidden;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!expanded) { open(); if (!options.length) ask(); return; }
        setActive(event.altKey ? active : (active + 1) % options.length);
        break;
      case "ArrowUp":
        if (!expanded) return;
        event.preventDefault();
        setActive(active <= 0 ? options.length - 1 : active - 1);
        break;
      case "Enter":
        if (expanded && active >= 0) { event.preventDefault(); choose(active); }
        break;
      case "Escape":
        if (expanded) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ""; shownFor = null; }
        break;
      case "Tab":
        close();
        break;
    }
  });

  // mousedown, not click: the input keeps the focus, so blur does not close the list first
  list.addEventListener("mousedown", function (event) {
    var option = event.target.closest("[role=option]");
    if (!option) return;
    event.preventDefault();
    choose(options.indexOf(option));
  });
  input.addEventListener("blur", close);
})();
