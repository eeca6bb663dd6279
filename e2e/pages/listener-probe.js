// Records listeners added to window, document and <body> subtree elements outside any shadow root,
// so a test can tell whether unmount() left one behind.
(function () {
  var live = new Set();
  var add = EventTarget.prototype.addEventListener;
  var remove = EventTarget.prototype.removeEventListener;
  function tracked(target) {
    if (target === window || target === document) return true;
    return target instanceof Node && target.isConnected && target.getRootNode() === document;
  }
  function key(target, type, listener, options) {
    var capture = typeof options === 'boolean' ? options : Boolean(options && options.capture);
    return { target: target, type: type, listener: listener, capture: capture };
  }
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (tracked(this)) live.add(key(this, type, listener, options));
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    var wanted = key(this, type, listener, options);
    live.forEach(function (entry) {
      if (entry.target === wanted.target && entry.type === wanted.type && entry.listener === wanted.listener && entry.capture === wanted.capture) live.delete(entry);
    });
    return remove.call(this, type, listener, options);
  };
  window.__listenerProbe = {
    count: function () { return live.size; },
    types: function () { return Array.from(live, function (entry) { return entry.type; }); },
  };
})();
