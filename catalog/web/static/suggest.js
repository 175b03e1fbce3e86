// The search box as a combobox of /api/v1/suggest's suggestions (combobox.js), shown as the
// server gives them: pinyin and initials match names that do not contain the typed letters,
// which a <datalist> would filter away. Enter on a suggestion opens its item's guide.
(function () {
  "use strict";
  var LIST_NAMES = { service: "办事服务", power: "权责", supervision: "监管", devolved: "下放" };
  window.qingdanCombobox(document.getElementById("q"), {
    id: "q",
    label: "搜索建议",
    url: function (typed) { return "/api/v1/suggest?q=" + encodeURIComponent(typed) + "&limit=8"; },
    parts: function (s) { return [s.text, LIST_NAMES[s.kind] || ""]; },
    choose: function (s) {
      var parts = s.id.split(":");
      window.location.assign("/items/" + encodeURIComponent(parts[0]) + "/" + encodeURIComponent(parts[1]));
    },
    found: function (n) { return "有 " + n + " 条建议，按上下方向键选择，按回车键打开办事指南。"; },
    none: "没有建议，按回车键搜索。"
  });
})();
