// An input as an ARIA 1.2 combobox with a list of server-given options
// (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/), shared by the citizens' search box
// (suggest.js) and the console's reference pickers (picker.js). Arrow keys move through the
// options, Enter takes the active one, Escape closes the list (or clears the box), and a polite
// live region says how many there are. Without JavaScript each input stays a plain form field.
//
// qingdanCombobox(input, {
//   id: "q",                       // prefix of the list's and options' ids
//   label: "搜索建议",              // the listbox's accessible name
//   url: function (typed) {…},     // where the options are fetched (JSON array)
//   parts: function (option) {…},  // [main text, side text] of an option
//   choose: function (option) {…}, // what Enter or a click on an option does
//   found: function (n) {…}, none: "…"  // what the live region says
// })
(function () {
  "use strict";
  window.qingdanCombobox = function (input, config) {
    if (!input || !window.fetch) return;
    var row = input.parentNode;
    var list = document.createElement("ul");
    var status = document.createElement("div");
    list.id = config.id + "-suggestions";
    list.className = "combo-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", config.label);
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

    var options = [], values = [], active = -1, timer = null, asked = 0, shownFor = null;

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

    function show(prefix, given) {
      shownFor = prefix;
      values = given;
      options = given.map(function (value, i) {
        var option = document.createElement("li"), parts = config.parts(value);
        var main = document.createElement("span"), side = document.createElement("span");
        option.id = config.id + "-suggestion-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        main.textContent = parts[0];
        side.className = "kind";
        side.textContent = parts[1] || "";
        option.appendChild(main);
        option.appendChild(side);
        return option;
      });
      list.replaceChildren.apply(list, options);
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (options.length) {
        open();
        status.textContent = config.found(options.length);
      } else {
        close();
        status.textContent = config.none;
      }
    }

    function ask() {
      var prefix = input.value.trim();
      if (!prefix) { show("", []); status.textContent = ""; return; }
      if (prefix === shownFor) { open(); return; }
      var mine = ++asked;
      fetch(config.url(prefix.slice(0, 50)), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (given) { if (mine === asked) show(prefix, given); })
        .catch(function () { if (mine === asked) close(); });
    }

    function choose(index) {
      var value = values[index];
      close();
      shownFor = null;
      config.choose(value, status);
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
  };
})();
