// Stands in for what a site's server renders for a logged-in visitor: the widget's script tag with
// a signed token in data-identity and the visitor's name and email prefilled. The test puts the
// token in the URL fragment (a static page cannot sign), and this inserts the tag as the server would write it.
(function () {
  var tag = document.createElement('script');
  tag.src = '/socialboards-ticket.js';
  tag.dataset.relay = document.body.dataset.relay;
  tag.dataset.target = '#support';
  tag.dataset.identity = decodeURIComponent(location.hash.slice(1));
  tag.dataset.prefill = JSON.stringify({ name: 'Ann Verified', email: 'ann@verified.example' });
  document.body.append(tag);
})();
