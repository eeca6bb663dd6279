/** Fine-grained updates: typing in one field re-renders that field, never the form or its other fields. */
import { act, cleanup, screen, waitFor } from '@testing-library/preact';
// The build's JSX plugin imports `Fragment` into every .tsx file, tests included: reached through the namespace here.
import * as preact from 'preact';
import { options, type VNode } from 'preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FormField } from '../../src/shared/form-definition';
import { formWith } from './forms';
import { control, leave, renderWidget, type } from './render-widget';

/** Renders per component (fragments aside), counted from Preact's `diffed` hook, called once for every component it renders. */
const renders = new Map<string, number>();
let previous: typeof options.diffed;
beforeAll(() => {
  previous = options.diffed;
  options.diffed = (vnode: VNode) => {
    if (typeof vnode.type === 'function' && vnode.type !== preact.Fragment) renders.set(vnode.type.name, (renders.get(vnode.type.name) ?? 0) + 1);
    previous?.(vnode);
  };
});
afterAll(() => {
  options.diffed = previous;
});
afterEach(cleanup);

const CITY: FormField = { path: 'customFields.1', label: 'City', control: 'text', required: true };
const DEALER: FormField = {
  path: 'customFields.2',
  label: 'Dealer',
  control: 'choice',
  required: false,
  choices: [
    { value: 'osl', label: 'Oslo Motors' },
    { value: 'bgo', label: 'Bergen Bil' },
  ],
};

/** Renders the widget with custom fields, waits for them, and starts counting. */
async function ready() {
  renderWidget({ form: formWith([CITY, DEALER]) });
  await screen.findByLabelText('City');
  renders.clear();
}

/** Lets Preact flush the renders a signal change scheduled. */
const settle = () => act(async () => {});

describe('render counts', () => {
  it.each([
    ['Subject', 'N'],
    ['Message', 'H'],
    ['City', 'O'],
    ['Email', 'b'],
  ])('typing one character in %s re-renders that field once and nothing else', async (label, key) => {
    await ready();
    type(control(label), key);
    await settle();
    expect(Object.fromEntries(renders)).toEqual({ FieldView: 1, TextControl: 1, Field: 1 });
    expect(control(label).value).toBe(key);
  });

  it('typing ten characters re-renders the field ten times and the form never', async () => {
    await ready();
    for (const text of ['N', 'Ne', 'New', 'New ', 'New c', 'New ca', 'New car', 'New car ', 'New car p', 'New car pr']) {
      type(control('Subject'), text);
      await settle();
    }
    expect(renders.get('FieldView')).toBe(10);
    expect(renders.get('TicketForm')).toBeUndefined();
    expect(renders.get('Widget')).toBeUndefined();
  });

  it('showing a field’s message on leaving it re-renders that field alone', async () => {
    await ready();
    leave(control('City'));
    await waitFor(() => expect(control('City').getAttribute('aria-invalid')).toBe('true'));
    expect(Object.fromEntries(renders)).toEqual({ FieldView: 1, TextControl: 1, Field: 1 });
  });
});
