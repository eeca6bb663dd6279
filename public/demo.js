// The demo page's own script (not part of the widget): lists the tickets the fake Socialboards
// has received, polling its test-only endpoint once a second.
(function () {
  var section = document.getElementById('received');
  var base = section.getAttribute('data-socialboards');
  if (!base) { section.hidden = true; return; }
  var list = document.getElementById('received-list');
  var empty = document.getElementById('received-empty');
  var shown = 0;
  function render(tickets) {
    for (var i = shown; i < tickets.length; i++) {
      var ticket = tickets[i];
      var item = document.createElement('li');
      var title = document.createElement('strong');
      title.textContent = 'Ticket #' + ticket.id + ' — ' + new Date(ticket.receivedAt).toLocaleTimeString();
      var body = document.createElement('pre');
      body.textContent = JSON.stringify(ticket.body, null, 2);
      item.append(title, body);
      list.prepend(item);
    }
    shown = tickets.length;
    empty.hidden = shown > 0;
  }
  function poll() {
    fetch(base + '/__fake/tickets')
      .then(function (response) { return response.json(); })
      .then(function (data) { render(data.tickets || []); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
