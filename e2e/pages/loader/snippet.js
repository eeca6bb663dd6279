// README's loader snippet, then the page's own commands, all before the widget's script has arrived.
window.SocialboardsTicket = window.SocialboardsTicket || { q: [] };

window.loaderLog = [];
var relay = document.getElementById('help').getAttribute('data-relay-url');
SocialboardsTicket.q.push(function () {
  loaderLog.push('first');
});
SocialboardsTicket.q.push(['mount', '#help', { relay: relay }]);
SocialboardsTicket.q.push(function () {
  throw new Error('an integrator callback that fails');
});
SocialboardsTicket.q.push(['open-everything']);
SocialboardsTicket.q.push(function (api) {
  window.firstApi = api;
  loaderLog.push('mounted: ' + document.querySelectorAll('#help > [data-socialboards-ticket]').length + ', version ' + typeof api.version);
});
