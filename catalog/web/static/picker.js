// The console form's reference fields (data-lookup) as comboboxes (combobox.js) of the rows the
// user may name, from the console's lookup. A single reference's input is the combobox itself:
// choosing writes "名称（编号 N）" into it. A list of references (a textarea, one a line) gets a
// search box before it: choosing adds a line. Without JavaScript, typing a 编号 or name works.
(function () {
  "use strict";
  function combobox(input, field, choose) {
    window.qingdanCombobox(input, {
      id: input.id,
      label: field.labels[0].textContent.replace(/（必填）$/, "") + "：可选的记录",
      url: function (typed) { return field.dataset.lookup + "?q=" + encodeURIComponent(typed); },
      parts: function (c) { return [c.text, c.code || ""]; },
      choose: choose,
      found: function (n) { return "找到 " + n + " 条，按上下方向键选择，按回车键选定。"; },
      none: "没有找到可选的记录。"
    });
  }

  document.querySelectorAll("input[data-lookup]").forEach(function (input) {
    combobox(input, input, function (c, status) {
      input.value = c.text;
      status.textContent = "已选定：" + c.text;
    });
  });

  document.querySelectorAll("textarea[data-lookup]").forEach(function (area) {
    var wrap = document.createElement("div"), label = document.createElement("label"), input = document.createElement("input");
    wrap.className = "combo";
    input.id = area.id + "-find";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.maxLength = 50;
    label.htmlFor = input.id;
    label.textContent = "查找并添加" + area.labels[0].textContent.replace(/（必填）$/, "");
    wrap.appendChild(label);
    wrap.appendChild(input);
    area.parentNode.insertBefore(wrap, area);
    combobox(input, area, function (c, status) {
      var lines = area.value.split("\n").filter(function (line) { return line.trim(); });
      if (lines.indexOf(c.text) < 0) lines.push(c.text);
      area.value = lines.join("\n");
      input.value = "";
      status.textContent = "已添加：" + c.text + "；共 " + lines.length + " 项。";
    });
  });
})();
