/**
 * Sentry's feedback widget for `npm run bench:browser`, set up as its docs show for a form
 * opened by the page: the SDK initialised with the feedback integration, the launcher button off
 * (`autoInject: false`), then its form created, put into the page and opened. The DSN points at
 * loopback and every request is aborted by the benchmark anyway.
 */
import * as Sentry from '@sentry/browser';

const feedback = Sentry.feedbackIntegration({ autoInject: false });
Sentry.init({ dsn: 'http://public@127.0.0.1:9/1', integrations: [feedback] });

async function openForm() {
  const form = await feedback.createForm();
  form.appendToDom();
  form.open();
}

void openForm();
