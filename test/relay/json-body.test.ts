/** The JSON body middleware on its own: strict UTF-8, the schema's output for the route, and our `validation` answers. */
import { Hono } from 'hono';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { jsonBody } from '../../src/relay/middleware/json-body';
import type { JudgeBody } from '../../src/relay/middleware/json-body';
import type { RelayEnv } from '../../src/relay/relay-env';

const Greeting = v.object({
  name: v.pipe(v.string('invalid'), v.trim(), v.nonEmpty('required')),
  count: v.optional(v.pipe(v.number('invalid'), v.maxValue(3, 'too_many'))),
});

function setup(judge?: JudgeBody) {
  const app = new Hono<RelayEnv>().post('/greet', jsonBody(Greeting, judge === undefined ? {} : { judge }), (c) => c.json(c.req.valid('json')));
  return (body: BodyInit) => app.request('/greet', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
}

const errorOf = async (response: Response) => ((await response.json()) as { error: Record<string, unknown> }).error;

describe('jsonBody', () => {
  it("hands the route the schema's output", async () => {
    const response = await setup()(JSON.stringify({ name: '  Ann  ', count: 2 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'Ann', count: 2 });
  });

  it('lists the invalid fields with their codes and English messages', async () => {
    const response = await setup()(JSON.stringify({ name: ' ', count: 'two' }));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({
      code: 'validation',
      message: 'Invalid fields: name, count.',
      fields: [
        { path: 'name', code: 'required', message: 'This field is required.' },
        { path: 'count', code: 'invalid', message: 'This value is not valid.' },
      ],
    });
  });

  it.each(['[1]', '"Ann"', '42', 'null'])('refuses %s as not a JSON object, listing no field', async (body) => {
    const response = await setup()(body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'validation', message: 'The request body must be a JSON object.', fields: [] });
  });

  it('refuses a body that is not UTF-8 rather than repairing it', async () => {
    const response = await setup()(Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'validation', message: 'The request body is not valid UTF-8.' });
  });

  it('answers a malformed body with 400 validation, not a server error', async () => {
    const response = await setup()('{"name":');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'validation', message: 'The request body is not valid JSON.' });
  });

  it('lets the route refuse, in its own words, a body the schema accepted', async () => {
    const judge: JudgeBody = (body, issues) =>
      issues.length === 0 && body.name === 'Mallory' ? { message: 'Not you.', fields: [{ path: 'name', code: 'invalid', message: 'This value is not valid.' }] } : undefined;
    const send = setup(judge);
    expect(await errorOf(await send(JSON.stringify({ name: 'Mallory' })))).toEqual({
      code: 'validation',
      message: 'Not you.',
      fields: [{ path: 'name', code: 'invalid', message: 'This value is not valid.' }],
    });
    expect((await send(JSON.stringify({ name: 'Ann' }))).status).toBe(200);
  });
});
