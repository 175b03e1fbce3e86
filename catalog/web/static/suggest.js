// Autocomplete for the search box from /api/v1/suggest (Chinese, pinyin or initials).
(function () {
  var input = document.getElementById("q"), list = document.getElementById("suggestions");
  if (!input || !list) return;
  var timer = null, last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var prefix = input.value.trim();
      if (!prefix || prefix === last) return;
      last = prefix;
      fetch("/api/v1/suggest?q=" + encodeURIComponent(prefix) + "&limit=8")
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          list.replaceChildren.apply(list, items.map(function (s) {
            var option = document.createElement("option"); option.value = s.text; return option;
          }));
        }).catch(function () {});
    }, 150);
  });
})();
