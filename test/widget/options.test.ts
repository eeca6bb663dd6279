/** Integrator configuration and words: what `mount()` options and `data-*` attributes turn into, and the messages for mistakes. */
import { describe, expect, it } from 'vitest';
import { createTranslator, pickLocale, submitErrorKey } from '../../src/widget/i18n';
import { optionsFromDataset, parseOptions } from '../../src/widget/options';
import type { SubmitErrorCode } from '../../src/submitter/submit-ticket';
import { registerLocale } from '../../src/widget/i18n';
import { nb } from '../../src/widget/locales/nb';

// Norwegian ships as a language pack; these tests use it as a page with the pack would.
registerLocale('nb', nb);

const RELAY = 'https://relay.example';

describe('parseOptions', () => {
  it('accepts a relay alone', () => {
    expect(parseOptions({ relay: RELAY })).toEqual({ config: { relay: RELAY }, problems: [] });
  });

  it.each([
    [false, 'option "requireEmail"'],
    [true, 'data-require-email'],
  ])('says requireEmail is gone and where the relay sets it instead (from a script tag: %s)', (fromData, spelled) => {
    expect(parseOptions({ relay: RELAY, requireEmail: false }, fromData)).toEqual({
      config: { relay: RELAY },
      problems: [
        `${spelled} was ignored: the relay decides: set RELAY_REQUIRE_EMAIL or builtIn.email.required in the relay's RELAY_FORM_CONFIG`,
      ],
    });
  });

  it('accepts every documented option', () => {
    const onSubmitted = () => {};
    const onError = () => {};
    const options = {
      relay: RELAY,
      locale: 'nb-NO',
      messages: { submit: 'Go' },
      nonce: 'r4nd0m',
      timeoutMs: 20_000,
      draft: false,
      draftDays: 30,
      onSubmitted,
      onError,
    };
    expect(parseOptions(options)).toEqual({ config: options, problems: [] });
  });

  it('accepts a relay relative to the page', () => {
    expect(parseOptions({ relay: '/support/relay' }).config?.relay).toBe('/support/relay');
  });

  it.each([
    ['mount()', false, 'option "relay" is required: the URL of your Socialboards relay'],
    ['a script tag', true, 'data-relay is required: the URL of your Socialboards relay'],
  ])('names the missing relay as %s spells it', (_, fromData, problem) => {
    expect(parseOptions({}, fromData)).toEqual({ problems: [problem] });
  });

  it('reports a relay that is not an http(s) URL once, and mounts nothing', () => {
    expect(parseOptions({ relay: 'javascript:alert(1)' })).toEqual({
      problems: ['option "relay" must be an http(s) URL; got "javascript:alert(1)"'],
    });
  });

  it('reports options that are not an object', () => {
    expect(parseOptions('https://relay.example')).toEqual({
      problems: ['options must be an object with at least { relay: "https://…" }'],
    });
  });

  it('reports an unknown option by name and ignores it', () => {
    expect(parseOptions({ relay: RELAY, colour: 'red' })).toEqual({
      config: { relay: RELAY },
      problems: ['unknown option "colour" was ignored'],
    });
  });

  it.each([
    ['timeoutMs', 500, 'option "timeoutMs" must be a whole number of milliseconds from 1000 to 120000; got 500'],
    ['timeoutMs', 1500.5, 'option "timeoutMs" must be a whole number of milliseconds from 1000 to 120000; got 1500.5'],
    ['locale', 'Norwegian!', 'option "locale" must be a language tag such as "en" or "nb-NO"; got "Norwegian!"'],
    ['messages', 'Send', 'option "messages" must be an object of message texts (JSON in data-messages); got "Send"'],
    ['messages', { submit: 42 }, 'option "messages" must be an object of message texts (JSON in data-messages); got {"submit":42}'],
    ['nonce', 123, 'option "nonce" must be a string; got 123'],
    ['draft', 'no', 'option "draft" must be true or false; got "no"'],
    ['draftDays', 0, 'option "draftDays" must be a whole number of days from 1 to 365; got 0'],
    ['draftDays', 400, 'option "draftDays" must be a whole number of days from 1 to 365; got 400'],
    ['draftDays', 1.5, 'option "draftDays" must be a whole number of days from 1 to 365; got 1.5'],
    ['onSubmitted', 'done()', 'option "onSubmitted" must be a function; got "done()"'],
  ])('names a wrong %s with what was expected, and keeps the default', (name, value, problem) => {
    expect(parseOptions({ relay: RELAY, [name]: value })).toEqual({
      config: { relay: RELAY },
      problems: [problem],
    });
  });

  it('says "function" when a function is given where a URL is expected', () => {
    expect(parseOptions({ relay: () => RELAY }).problems).toEqual(['option "relay" must be an http(s) URL; got function']);
  });

  it.each([
    [{ lockFields: 7 }, 'data-lock-fields must be true, false or a list of field names and ids; got 7'],
    [{ timeoutMs: '20s' }, 'data-timeout-ms must be a whole number of milliseconds from 1000 to 120000; got "20s"'],
    [{ colour: 'red' }, 'unknown data-colour was ignored'],
    [{ draft: 'off' }, 'data-draft must be true or false; got "off"'],
    [{ draftDays: 'week' }, 'data-draft-days must be a whole number of days from 1 to 365; got "week"'],
    [{ messages: { sumbit: 'Go' } }, 'data-messages has an unknown key "sumbit" (ignored)'],
  ])('spells options as data attributes when they came from a script tag (%j)', (options, problem) => {
    expect(parseOptions({ relay: RELAY, ...options }, true).problems).toEqual([problem]);
  });

  it('reports an unknown message key and keeps the known ones', () => {
    const { config, problems } = parseOptions({ relay: RELAY, messages: { submit: 'Go', sumbit: 'Go' } });
    expect(problems).toEqual(['option "messages" has an unknown key "sumbit" (ignored)']);
    expect(config?.messages).toMatchObject({ submit: 'Go' });
  });

  it('reports every problem at once', () => {
    expect(parseOptions({ timeoutMs: 'no', colour: 'red' }).problems).toEqual([
      'option "timeoutMs" must be a whole number of milliseconds from 1000 to 120000; got "no"',
      'unknown option "colour" was ignored',
      'option "relay" is required: the URL of your Socialboards relay',
    ]);
  });

  it('still says data-relay is required when a look-alike attribute was given instead', () => {
    expect(parseOptions({ relayUrl: RELAY }, true).problems).toEqual([
      'unknown data-relay-url was ignored',
      'data-relay is required: the URL of your Socialboards relay',
    ]);
  });

  it('skips options given as undefined', () => {
    expect(parseOptions({ relay: RELAY, locale: undefined })).toEqual({ config: { relay: RELAY }, problems: [] });
  });
});

describe('optionsFromDataset', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['', true],
    ['email, 42623', ['email', '42623']],
  ])('reads data-lock-fields="%s" as %j', (text, value) => {
    expect(optionsFromDataset({ relay: RELAY, lockFields: text })).toEqual({ relay: RELAY, lockFields: value });
  });

  it.each([
    ['20000', 20_000],
    ['20s', '20s'],
    // A number, though out of range: parseOptions reports it as the number it is.
    ['-1', -1],
  ])('reads data-timeout-ms="%s" as %j', (text, value) => {
    expect(optionsFromDataset({ timeoutMs: text })).toEqual({ timeoutMs: value });
  });

  it('reads a JSON string as its contents, where the option takes text too', () => {
    expect(optionsFromDataset({ relay: `"${RELAY}"`, nonce: '"abc"', identity: '"token"' })).toEqual({ relay: RELAY, nonce: 'abc', identity: 'token' });
    // Not JSON after all: the text itself, for parseOptions to judge.
    expect(optionsFromDataset({ nonce: '"abc' })).toEqual({ nonce: '"abc' });
  });

  it('keeps text that reads as JSON as text where the option takes text (a nonce of digits)', () => {
    expect(optionsFromDataset({ nonce: '12345', locale: 'en' })).toEqual({ nonce: '12345', locale: 'en' });
  });

  it.each([
    ['false', false],
    ['true', true],
    ['off', 'off'],
  ])('reads data-draft="%s" as %j', (text, value) => {
    expect(optionsFromDataset({ draft: text })).toEqual({ draft: value });
  });

  it.each([
    ['30', 30],
    ['a week', 'a week'],
  ])('reads data-draft-days="%s" as %j', (text, value) => {
    expect(optionsFromDataset({ draftDays: text })).toEqual({ draftDays: value });
  });

  it('reads data-messages as JSON', () => {
    expect(optionsFromDataset({ messages: '{"submit":"Go","heading":"Write to us"}' })).toEqual({
      messages: { submit: 'Go', heading: 'Write to us' },
    });
  });

  it('keeps data-messages that are not JSON as text, for parseOptions to report', () => {
    expect(optionsFromDataset({ messages: '{submit: Go}' })).toEqual({ messages: '{submit: Go}' });
  });

  it('leaves out data-target, which says where to mount rather than how', () => {
    expect(optionsFromDataset({ relay: RELAY, target: '#help' })).toEqual({ relay: RELAY });
  });

  it('turns a real script tag into a config', () => {
    const script = document.createElement('script');
    script.setAttribute('data-relay', RELAY);
    script.setAttribute('data-lock-fields', 'email');
    script.setAttribute('data-timeout-ms', '30000');
    script.setAttribute('data-locale', 'nb');
    script.setAttribute('data-messages', '{"submit":"Send inn"}');
    script.setAttribute('data-draft', 'false');
    script.setAttribute('data-draft-days', '3');
    expect(parseOptions(optionsFromDataset({ ...script.dataset }), true)).toEqual({
      config: { relay: RELAY, lockFields: ['email'], timeoutMs: 30_000, locale: 'nb', messages: { submit: 'Send inn' }, draft: false, draftDays: 3 },
      problems: [],
    });
  });
});

describe('pickLocale', () => {
  it.each([
    [['nb-NO'], 'nb'],
    [['NB_no'], 'nb'],
    // Only registered languages count, and nn and no read the Bokmål registered as nb.
    [['nn'], 'nb'],
    [['no-NO'], 'nb'],
    [['no', 'nb'], 'nb'],
    [['sv'], 'en'],
    [['en-GB'], 'en'],
    [['fr-FR', 'nb'], 'nb'],
    [[undefined, null, '', 'nb'], 'nb'],
    [['fr', 'de'], 'en'],
    [[], 'en'],
  ])('picks from %j: %s', (candidates, locale) => {
    expect(pickLocale(candidates)).toBe(locale);
  });
});

describe('createTranslator', () => {
  it('speaks English by default', () => {
    expect(createTranslator('en')('title')).toBe('Subject');
  });

  it('speaks the locale when it has a catalogue', () => {
    expect(createTranslator('nb')('title')).toBe('Emne');
  });

  it('falls back to English for a locale without a catalogue', () => {
    expect(createTranslator('de')('title')).toBe('Subject');
  });

  it('lets an override win over the locale catalogue', () => {
    expect(createTranslator('nb', { title: 'Tittel' })('title')).toBe('Tittel');
  });

  it('uses the catalogue for keys the overrides leave out', () => {
    expect(createTranslator('nb', { title: 'Tittel' })('message')).toBe('Melding');
  });

  it('fills {id} and {limit}', () => {
    const t = createTranslator('en');
    expect(t('sentBody', { id: 4711 })).toBe('We have received your message. Your ticket number is 4711.');
    expect(t('field.too_long', { limit: 200 })).toBe('Use at most 200 characters.');
  });

  it('fills parameters in overrides too', () => {
    expect(createTranslator('en', { sentBody: 'Ticket #{id} is on its way.' })('sentBody', { id: 7 })).toBe(
      'Ticket #7 is on its way.',
    );
  });

  it('leaves a placeholder it has no value for', () => {
    expect(createTranslator('en')('sentBody')).toBe('We have received your message. Your ticket number is {id}.');
  });
});

describe('submitErrorKey', () => {
  it.each<[SubmitErrorCode, string]>([
    ['network', 'We could not reach the support service. Check your connection and try again.'],
    ['rate_limited', 'Too many messages were sent just now. Please wait a minute and try again.'],
    ['upstream_unavailable', 'The support service is not available right now. Please try again in a few minutes.'],
    ['bad_response', 'Something went wrong while sending. Please try again.'],
    ['internal', 'Something went wrong while sending. Please try again.'],
    ['idempotency_conflict', 'Something went wrong while sending. Please try again.'],
  ])('tells the visitor about %s in words', (code, text) => {
    expect(createTranslator('en')(submitErrorKey(code))).toBe(text);
  });
});
