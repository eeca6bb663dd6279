import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { jsonAnswer, jsonAnswerText } from '../../src/relay/json-answer';

describe('jsonAnswer', () => {
  it('answers as c.json does, and keeps the text of its body for whoever stores it', async () => {
    const seen: (string | undefined)[] = [];
    const app = new Hono().post('/', async (c, next) => {
      await next();
      seen.push(jsonAnswerText(c.res));
    }).post('/', (c) => jsonAnswer(c, { ticketId: 7 }, 201, { 'Retry-After': '3' }));
    const answer = await app.request('/', { method: 'POST' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(await answer.text()).toBe('{"ticketId":7}');
    expect(seen).toEqual(['{"ticketId":7}']);
  });

  it('knows no text for an answer it did not make', () => {
    expect(jsonAnswerText(Response.json({ ticketId: 7 }))).toBeUndefined();
  });
});
